import type { Backoff, BackoffConfig } from '../backoff/backoff';

/** How failed attempts are retried. */
export interface RetryOptions {
  /** Total attempts, the first one included. Defaults to 3. */
  maxAttempts: number;
  /** Delay before each retry. Defaults to exponential from 100 ms, factor 2, max 30 s, full jitter. */
  backoff: Backoff | BackoffConfig;
  /** Return false to fail at once. `NonRetryableError`s never retry. */
  retryIf?: (error: unknown, attempt: number) => boolean;
}
