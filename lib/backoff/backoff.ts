/** Computes the delay before a retry. */
export interface Backoff {
  /** The delay before retry number `attempt` (1 for the first retry), in ms. */
  delayMs(attempt: number, error?: unknown): number;
}

/** Names of the built-in backoff strategies. */
export type BackoffStrategy = 'exponential' | 'linear' | 'fixed' | 'random';

/** Names of the built-in jitter functions. */
export type JitterName = 'none' | 'full' | 'equal' | 'decorrelated';

/** A backoff described as plain data (config files); see `backoffFrom`. */
export interface BackoffConfig {
  strategy: BackoffStrategy;
  /** First delay (exponential, linear, fixed) or lower bound (random), in ms. */
  initialMs: number;
  /** Upper bound of every delay, in ms. */
  maxMs: number;
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
