/**
 * Computes the delay before a retry.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type Backoff } from 'rxjs-worker-pool';
 * // Waits as long as the server asked (an error carrying `retryAfterMs`), else 1 s per retry.
 * const retryAfter: Backoff = {
 *   delayMs(attempt, error) {
 *     const asked = (error as { retryAfterMs?: number } | undefined)?.retryAfterMs;
 *     return asked ?? attempt * 1000;
 *   },
 * };
 * const pool = new WorkerPool({ handler, retry: { backoff: retryAfter } });
 * ```
 */
export interface Backoff {
  /** The delay before retry number `attempt` (1 for the first retry), in ms. */
  delayMs(attempt: number, error?: unknown): number;
}

/**
 * Names of the built-in backoff strategies.
 *
 * ## Example
 * ```ts
 * import { backoffFrom, type BackoffStrategy } from 'rxjs-worker-pool';
 * const strategies: BackoffStrategy[] = ['exponential', 'linear', 'fixed', 'random'];
 * strategies.map((strategy) =>
 *   backoffFrom({ strategy, initialMs: 100, maxMs: 1_000, jitter: 'none' }).delayMs(3),
 * );
 * // Output: [400, 300, 100, 731] (the last one random, in [100, 1000])
 * ```
 */
export type BackoffStrategy = 'exponential' | 'linear' | 'fixed' | 'random';

/**
 * Names of the built-in jitter functions.
 *
 * ## Example
 * ```ts
 * import { ExponentialBackoff, type JitterName } from 'rxjs-worker-pool';
 * const jitter: JitterName = 'equal'; // half the delay plus a random share of the other half
 * const backoff = new ExponentialBackoff({ initialMs: 100, jitter, random: () => 0 });
 * [1, 2, 3].map((attempt) => backoff.delayMs(attempt));
 * // Output: [50, 100, 200]
 * ```
 */
export type JitterName = 'none' | 'full' | 'equal' | 'decorrelated';

/**
 * A backoff described as plain data (config files); see `backoffFrom`.
 *
 * ## Example
 * ```ts
 * import { backoffFrom, type BackoffConfig } from 'rxjs-worker-pool';
 * const config: BackoffConfig = {
 *   strategy: 'exponential',
 *   initialMs: 100,
 *   maxMs: 1_000,
 *   factor: 3,
 *   jitter: 'none',
 * };
 * const backoff = backoffFrom(config);
 * [1, 2, 3, 4].map((attempt) => backoff.delayMs(attempt));
 * // Output: [100, 300, 900, 1000]
 * ```
 */
export interface BackoffConfig {
  strategy: BackoffStrategy;
  /** First delay (exponential, linear, fixed) or lower bound (random), in ms. Defaults to 100. */
  initialMs?: number;
  /** Upper bound of every delay, in ms. Defaults to 30 s. */
  maxMs?: number;
  /** Growth factor of the exponential strategy. Defaults to 2. */
  factor?: number;
  /** Defaults to 'full' for exponential, 'none' otherwise. */
  jitter?: JitterName;
}

/**
 * The retry number a strategy computes with: `attempt` rounded down, 1 when it is below 1 or not
 * a finite number, so a stray 0 or NaN never yields a negative or NaN delay.
 * @internal
 */
export function normalizeAttempt(attempt: number): number {
  return Number.isFinite(attempt) && attempt >= 1 ? Math.floor(attempt) : 1;
}
