import type { Backoff, BackoffConfig } from './backoff';
import { ExponentialBackoff } from './exponential-backoff';
import { FixedBackoff } from './fixed-backoff';
import { LinearBackoff } from './linear-backoff';
import { RandomBackoff } from './random-backoff';
import { optionPath } from '../options/check-option';
import { describeValue } from '../options/describe-value';

/**
 * True when `x` looks like a {@link Backoff}: an object with a `delayMs` method.
 *
 * ## Example
 * ```ts
 * import { isBackoff, FixedBackoff } from 'rxjs-worker-pool';
 * isBackoff(new FixedBackoff()); // true
 * isBackoff({ strategy: 'fixed', initialMs: 100, maxMs: 100 }); // false: a BackoffConfig
 * // Output: true, false
 * ```
 */
export function isBackoff(x: unknown): x is Backoff {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { delayMs?: unknown }).delayMs === 'function'
  );
}

/**
 * Builds the strategy a {@link BackoffConfig} names; a {@link Backoff} is returned as it is.
 * `factor` is read by `exponential` only; `jitter` by every strategy but `random` (random already).
 * Bad values throw a `TypeError` naming the option under `path`.
 *
 * ## Example
 * ```ts
 * import { backoffFrom } from 'rxjs-worker-pool';
 * const backoff = backoffFrom({ strategy: 'linear', initialMs: 100, maxMs: 1000 });
 * backoff.delayMs(3);
 * // Output: 300
 * ```
 *
 * @param config Plain data, e.g. from a config file, or a ready {@link Backoff}.
 * @param path Prefix of the option names in error messages, e.g. `retry.backoff`.
 */
export function backoffFrom(config: BackoffConfig | Backoff, path?: string): Backoff {
  if (isBackoff(config)) return config;
  if (typeof config !== 'object' || config === null) {
    throw new TypeError(
      `Expected \`${path || 'backoff'}\` to be a Backoff or a BackoffConfig object, got ${describeValue(config)}`,
    );
  }
  const { strategy, initialMs, maxMs, factor, jitter } = config;
  switch (strategy) {
    case 'exponential':
      return new ExponentialBackoff({ initialMs, maxMs, factor, jitter }, path);
    case 'linear':
      return new LinearBackoff({ initialMs, maxMs, jitter }, path);
    case 'fixed':
      return new FixedBackoff({ initialMs, maxMs, jitter }, path);
    case 'random':
      return new RandomBackoff({ initialMs, maxMs }, path);
    default:
      throw new TypeError(
        `Expected \`${optionPath(path, 'strategy')}\` to be one of 'exponential' | 'linear' | 'fixed' | 'random', got ${describeValue(strategy)}`,
      );
  }
}
