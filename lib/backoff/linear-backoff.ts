import type { Backoff, JitterName } from './backoff';
import { backoffSettings, jitteredDelay, type BackoffSettings } from './backoff-settings';
import type { Jitter } from './jitter';
import { DEFAULTS } from '../config/defaults';

/**
 * Options of {@link LinearBackoff}.
 *
 * ## Example
 * ```ts
 * import { LinearBackoff, type LinearBackoffOptions } from 'rxjs-worker-pool';
 * const options: LinearBackoffOptions = { initialMs: 500, maxMs: 1_200 };
 * const backoff = new LinearBackoff(options);
 * [1, 2, 3].map((attempt) => backoff.delayMs(attempt));
 * // Output: [500, 1000, 1200]
 * ```
 */
export interface LinearBackoffOptions {
  /** Delay before the first retry, and the step added for each further one, in ms. Defaults to 100. */
  initialMs?: number;
  /** Upper bound of every delay, after jitter too, in ms (>= initialMs). Defaults to 30000. */
  maxMs?: number;
  /** A jitter name or function applied to each delay. Defaults to `'none'`. */
  jitter?: JitterName | Jitter;
  /** Uniform source in [0, 1) used by the jitter. Defaults to `Math.random`. */
  random?: () => number;
}

/**
 * Waits `initialMs × attempt`, capped at `maxMs`, then jittered.
 *
 * ## Example
 * ```ts
 * import { LinearBackoff } from 'rxjs-worker-pool';
 * const backoff = new LinearBackoff({ initialMs: 100, maxMs: 250 });
 * [1, 2, 3].map((attempt) => backoff.delayMs(attempt));
 * // Output: [100, 200, 250]
 * ```
 */
export class LinearBackoff implements Backoff {
  readonly #settings: BackoffSettings;

  /**
   * @param options See {@link LinearBackoffOptions}; bad values throw a `TypeError`.
   * @param path Prefix of the option names in error messages, e.g. `retry.backoff`.
   */
  constructor(options: LinearBackoffOptions = {}, path?: string) {
    this.#settings = backoffSettings(
      options,
      { initialMs: DEFAULTS.backoffInitialMs, maxMs: DEFAULTS.backoffMaxMs, jitter: 'none' },
      path,
    );
  }

  /** The delay before retry number `attempt` (1 for the first), in ms. */
  delayMs(attempt: number): number {
    const { initialMs, maxMs } = this.#settings;
    return jitteredDelay(this.#settings, attempt, (k) => Math.min(maxMs, initialMs * k));
  }
}
