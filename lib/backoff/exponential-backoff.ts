import type { Backoff, JitterName } from './backoff';
import { backoffSettings, jitteredDelay, type BackoffSettings } from './backoff-settings';
import { checkNumber, optionPath } from '../options/check-option';
import type { Jitter } from './jitter';
import { DEFAULTS } from '../config/defaults';

/**
 * Options of {@link ExponentialBackoff}.
 *
 * ## Example
 * ```ts
 * import { ExponentialBackoff, type ExponentialBackoffOptions } from 'rxjs-worker-pool';
 * const options: ExponentialBackoffOptions = {
 *   initialMs: 50,
 *   factor: 3,
 *   maxMs: 1_000,
 *   jitter: 'none', // defaults to 'full'
 * };
 * const backoff = new ExponentialBackoff(options);
 * [1, 2, 3, 4].map((attempt) => backoff.delayMs(attempt));
 * // Output: [50, 150, 450, 1000]
 * ```
 */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry, in ms. Defaults to 100. */
  initialMs?: number;
  /** Each retry waits `factor` times the previous one (>= 1). Defaults to 2. */
  factor?: number;
  /** Upper bound of every delay, after jitter too, in ms (>= initialMs). Defaults to 30000. */
  maxMs?: number;
  /** A jitter name or function applied to each delay. Defaults to `'full'`. */
  jitter?: JitterName | Jitter;
  /** Uniform source in [0, 1) used by the jitter. Defaults to `Math.random`. */
  random?: () => number;
}

/**
 * Waits `initialMs × factor^(attempt - 1)`, capped at `maxMs`, then jittered.
 *
 * ## Example
 * ```ts
 * import { ExponentialBackoff } from 'rxjs-worker-pool';
 * const backoff = new ExponentialBackoff({ initialMs: 100, factor: 2, jitter: 'none' });
 * [1, 2, 3, 4].map((attempt) => backoff.delayMs(attempt));
 * // Output: [100, 200, 400, 800]
 * ```
 */
export class ExponentialBackoff implements Backoff {
  readonly #settings: BackoffSettings;
  readonly #factor: number;

  /**
   * @param options See {@link ExponentialBackoffOptions}; bad values throw a `TypeError`.
   * @param path Prefix of the option names in error messages, e.g. `retry.backoff`.
   */
  constructor(options: ExponentialBackoffOptions = {}, path?: string) {
    this.#settings = backoffSettings(
      options,
      { initialMs: DEFAULTS.backoffInitialMs, maxMs: DEFAULTS.backoffMaxMs, jitter: 'full' },
      path,
    );
    this.#factor = checkNumber(
      options.factor ?? DEFAULTS.backoffFactor,
      optionPath(path, 'factor'),
      { min: 1 },
    );
  }

  /** The delay before retry number `attempt` (1 for the first), in ms. */
  delayMs(attempt: number): number {
    const { initialMs, maxMs } = this.#settings;
    const factor = this.#factor;
    return jitteredDelay(this.#settings, attempt, (k) =>
      Math.min(maxMs, initialMs * factor ** (k - 1)),
    );
  }
}
