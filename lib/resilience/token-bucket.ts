import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { checkDuration, checkNumber, optionPath } from '../options/check-option';
import { describeValue } from '../options/describe-value';

/**
 * At most `limit` starts in any `intervalMs` window.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, rateLimit, withRateLimit, type RateLimitOptions } from 'rxjs-worker-pool';
 * const tenPerSecond: RateLimitOptions = { limit: 10, intervalMs: 1_000 };
 * const pool = new WorkerPool({ handler, rateLimit: tenPerSecond }); // task starts
 * const send = withRateLimit(sendSms, tenPerSecond); // calls of one function
 * messages$.pipe(rateLimit(tenPerSecond)).subscribe(console.log); // values of a stream
 * ```
 */
export interface RateLimitOptions {
  /** Starts allowed per interval (an integer >= 1). */
  limit: number;
  /** Length of the interval, in ms (> 0). */
  intervalMs: number;
}

/**
 * A token bucket holding `limit` tokens, where each token taken comes back exactly `intervalMs`
 * after it was taken. So bursts of up to `limit` pass at once, and no window of `intervalMs`
 * ever sees more than `limit` takes (a refill-at-a-rate bucket would let `limit` more through
 * right after a burst). Reads time from `scheduler.now()` only and sets no timers.
 *
 * ## Example
 * ```ts
 * import { TokenBucket } from 'rxjs-worker-pool';
 * const bucket = new TokenBucket({ limit: 2, intervalMs: 1000 });
 * [bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];
 * // Output: [true, true, false]
 * bucket.msUntilNext();
 * // Output: 1000 (when called at once)
 * ```
 */
export class TokenBucket {
  /** Options as validated. */
  readonly limit: number;
  readonly intervalMs: number;
  readonly #scheduler: SchedulerLike;
  /** When each token still out was taken, oldest first; never longer than `limit`. */
  readonly #takenAt: number[] = [];

  /**
   * @param options Bad values throw a `TypeError` naming `path.limit` / `path.intervalMs`.
   * @param scheduler Its `now()` is the clock. Defaults to `asyncScheduler`.
   * @param path Prefix of the option names in error messages. Defaults to `rateLimit`.
   */
  constructor(
    options: RateLimitOptions,
    scheduler: SchedulerLike = asyncScheduler,
    path = 'rateLimit',
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected \`${path || 'options'}\` to be an object { limit, intervalMs }, got ${describeValue(options)}`,
      );
    }
    this.limit = checkNumber(options.limit, optionPath(path, 'limit'), { min: 1, integer: true });
    this.intervalMs = checkDuration(options.intervalMs, optionPath(path, 'intervalMs'), {
      exclusiveMin: true,
    });
    this.#scheduler = scheduler;
  }

  /** Takes a token if one is available now; false (and nothing taken) otherwise. */
  tryTake(): boolean {
    const now = this.#refill();
    if (this.#takenAt.length >= this.limit) return false;
    this.#takenAt.push(now);
    return true;
  }

  /** Milliseconds until a token is available: 0 if one is available now. */
  msUntilNext(): number {
    const now = this.#refill();
    if (this.#takenAt.length < this.limit) return 0;
    return this.#takenAt[0] + this.intervalMs - now;
  }

  /** Tokens available now. */
  available(): number {
    this.#refill();
    return this.limit - this.#takenAt.length;
  }

  /** Returns the tokens whose interval has passed; gives the current time. */
  #refill(): number {
    const now = this.#scheduler.now();
    while (this.#takenAt.length > 0 && this.#takenAt[0] + this.intervalMs <= now) {
      this.#takenAt.shift();
    }
    return now;
  }
}
