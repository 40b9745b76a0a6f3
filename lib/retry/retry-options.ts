import type { Backoff, BackoffConfig } from '../backoff/backoff';

/**
 * How failed attempts are retried.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type RetryOptions } from 'rxjs-worker-pool';
 * const retry: RetryOptions = {
 *   maxAttempts: 5,
 *   backoff: { strategy: 'exponential', initialMs: 200, maxMs: 5_000, jitter: 'decorrelated' },
 *   retryIf: (error) => !(error instanceof TypeError),
 * };
 * const pool = new WorkerPool({ handler, retry });
 * await pool.submit(input, { retry: { maxAttempts: 1 } }); // per task, key by key
 * ```
 */
export interface RetryOptions {
  /** Total attempts, the first one included. Defaults to 3. */
  maxAttempts: number;
  /** Delay before each retry. Defaults to exponential from 100 ms, factor 2, max 30 s, full jitter. */
  backoff: Backoff | BackoffConfig;
  /** Return false to fail at once. `NonRetryableError`s never retry. */
  retryIf?: (error: unknown, attempt: number) => boolean;
}
