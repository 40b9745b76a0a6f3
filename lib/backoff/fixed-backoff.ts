import type { Backoff, JitterName } from './backoff';
import { backoffSettings, jitteredDelay, type BackoffSettings } from './backoff-settings';
import type { Jitter } from './jitter';
import { DEFAULTS } from '../config/defaults';

/**
 * Options of {@link FixedBackoff}.
 *
 * ## Example
 * ```ts
 * import { FixedBackoff, type FixedBackoffOptions } from 'rxjs-worker-pool';
 * const options: FixedBackoffOptions = { initialMs: 1_000, jitter: 'equal', random: () => 0.5 };
 * new FixedBackoff(options).delayMs(1);
 * // Output: 750
 * ```
 */
export interface FixedBackoffOptions {
  /** Delay before every retry, in ms. Defaults to 100. */
  initialMs?: number;
  /** Upper bound of every delay, after jitter too, in ms (>= initialMs). Defaults to 30000. */
  maxMs?: number;
  /** A jitter name or function applied to each delay. Defaults to `'none'`. */
  jitter?: JitterName | Jitter;
  /** Uniform source in [0, 1) used by the jitter. Defaults to `Math.random`. */
  random?: () => number;
}

/**
 * Waits `initialMs` before every retry, then jittered.
 *
 * ## Example
 * ```ts
 * import { FixedBackoff } from 'rxjs-worker-pool';
 * const backoff = new FixedBackoff({ initialMs: 250 });
 * [1, 2, 3].map((attempt) => backoff.delayMs(attempt));
 * // Output: [250, 250, 250]
 * ```
 */
export class FixedBackoff implements Backoff {
  readonly #settings: BackoffSettings;

  /**
   * @param options See {@link FixedBackoffOptions}; bad values throw a `TypeError`.
   * @param path Prefix of the option names in error messages, e.g. `retry.backoff`.
   */
  constructor(options: FixedBackoffOptions = {}, path?: string) {
    this.#settings = backoffSettings(
      options,
      { initialMs: DEFAULTS.backoffInitialMs, maxMs: DEFAULTS.backoffMaxMs, jitter: 'none' },
      path,
    );
  }

  /** The delay before retry number `attempt` (1 for the first), in ms. */
  delayMs(attempt: number): number {
    const { initialMs } = this.#settings;
    return jitteredDelay(this.#settings, attempt, () => initialMs);
  }
}
