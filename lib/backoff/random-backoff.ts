import type { Backoff } from './backoff';
import { backoffSettings, type BackoffSettings } from './backoff-settings';
import { DEFAULTS } from '../config/defaults';

/**
 * Options of {@link RandomBackoff}.
 *
 * ## Example
 * ```ts
 * import { RandomBackoff, type RandomBackoffOptions } from 'rxjs-worker-pool';
 * const options: RandomBackoffOptions = { initialMs: 1_000, maxMs: 2_000, random: () => 0.25 };
 * new RandomBackoff(options).delayMs(1);
 * // Output: 1250
 * ```
 */
export interface RandomBackoffOptions {
  /** Lower bound of every delay, in ms. Defaults to 100. */
  initialMs?: number;
  /** Upper bound of every delay, in ms (>= initialMs). Defaults to 30000. */
  maxMs?: number;
  /** Uniform source in [0, 1). Defaults to `Math.random`. */
  random?: () => number;
}

/**
 * Waits a uniformly random delay in [initialMs, maxMs], whatever the attempt. It is random
 * already, so it takes no jitter.
 *
 * ## Example
 * ```ts
 * import { RandomBackoff } from 'rxjs-worker-pool';
 * new RandomBackoff({ initialMs: 100, maxMs: 300, random: () => 0.5 }).delayMs(1);
 * // Output: 200
 * ```
 */
export class RandomBackoff implements Backoff {
  readonly #settings: BackoffSettings;

  /**
   * @param options See {@link RandomBackoffOptions}; bad values throw a `TypeError`.
   * @param path Prefix of the option names in error messages, e.g. `retry.backoff`.
   */
  constructor(options: RandomBackoffOptions = {}, path?: string) {
    const { initialMs, maxMs, random } = options;
    this.#settings = backoffSettings(
      { initialMs, maxMs, random },
      { initialMs: DEFAULTS.backoffInitialMs, maxMs: DEFAULTS.backoffMaxMs, jitter: 'none' },
      path,
    );
  }

  /** A delay in [initialMs, maxMs], in ms; `attempt` does not change the range. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the Backoff contract's parameter
  delayMs(_attempt?: number): number {
    const { initialMs, maxMs, random } = this.#settings;
    return Math.min(maxMs, initialMs + random() * (maxMs - initialMs));
  }
}
