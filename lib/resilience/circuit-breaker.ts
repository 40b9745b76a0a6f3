import {
  asyncScheduler,
  BehaviorSubject,
  distinctUntilChanged,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { checkDuration, checkNumber, optionPath } from '../options/check-option';
import { CircuitOpenError } from '../errors/circuit-open-error';
import { describeValue } from '../options/describe-value';
import { DEFAULTS } from '../config/defaults';

/**
 * Opens on a failure ratio over the last `size` calls instead of consecutive failures.
 *
 * ## Example
 * ```ts
 * import { CircuitBreaker, type CircuitBreakerWindow } from 'rxjs-worker-pool';
 * // Open when half of the last 20 calls failed, once at least 10 were made.
 * const window: CircuitBreakerWindow = { size: 20, minimumCalls: 10, failureRatio: 0.5 };
 * const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 10_000, window });
 * ```
 */
export interface CircuitBreakerWindow {
  /** Number of most recent calls considered (an integer >= 1). */
  size: number;
  /** Calls needed in the window before the ratio counts (1..size). Defaults to `size`. */
  minimumCalls?: number;
  /** Opens when failures / calls in the window reach it (0 < ratio <= 1). */
  failureRatio: number;
}

/**
 * Options of {@link CircuitBreaker}.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type CircuitBreakerOptions } from 'rxjs-worker-pool';
 * // Open after 5 failures in a row; after 30 s, let 2 probe tasks through.
 * const circuitBreaker: CircuitBreakerOptions = {
 *   failureThreshold: 5,
 *   resetTimeoutMs: 30_000,
 *   halfOpenMax: 2,
 * };
 * const pool = new WorkerPool({ handler, circuitBreaker }); // dispatch pauses while open
 * ```
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (an integer >= 1); unused with `window`. */
  failureThreshold: number;
  /** How long the breaker stays open before letting probes through, in ms (>= 0). */
  resetTimeoutMs: number;
  /** Concurrent probe calls allowed while half-open (an integer >= 1). Defaults to 1. */
  halfOpenMax?: number;
  /** Opens on a failure ratio over recent calls instead of `failureThreshold`. Defaults to none. */
  window?: CircuitBreakerWindow;
}

/**
 * `closed`: calls pass; `open`: calls are refused; `half-open`: a few probe calls pass.
 *
 * ## Example
 * ```ts
 * import { withCircuitBreaker, type CircuitState } from 'rxjs-worker-pool';
 * const quote = withCircuitBreaker(fetchQuote, { failureThreshold: 3, resetTimeoutMs: 10_000 });
 * quote.breaker.state$.subscribe((state: CircuitState) => console.log('quotes:', state));
 * // Output:
 * // quotes: closed
 * // quotes: open        (after 3 failures in a row)
 * // quotes: half-open   (10 s later)
 * // quotes: closed      (a probe succeeded)
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker: counts failures while closed, refuses calls while open, and after
 * `resetTimeoutMs` lets `halfOpenMax` probes through; the first probe to succeed closes it, a
 * failed probe opens it again for a fresh `resetTimeoutMs`.
 *
 * It opens after `failureThreshold` consecutive failures or, with `window`, when at least
 * `minimumCalls` of the last `size` calls are recorded and their failure ratio reaches
 * `failureRatio` (`failureThreshold` is then not used); either rule is checked when a failure
 * is recorded, so a success never opens it. Time is the scheduler's: the move to
 * half-open is scheduled on it, so `state$` emits `'half-open'` by itself exactly
 * `resetTimeoutMs` after opening.
 *
 * ## Example
 * ```ts
 * import { CircuitBreaker } from 'rxjs-worker-pool';
 * const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 1000 });
 * breaker.state$.subscribe((state) => console.log(state));
 * breaker.onFailure();
 * breaker.onFailure();
 * breaker.tryAcquire(); // false: throw breaker.openError()
 * // Output:
 * // closed
 * // open
 * // half-open   (1 s later)
 * ```
 */
export class CircuitBreaker {
  /** The state in force, starting with the current one; emits on each change. */
  readonly state$: Observable<CircuitState>;

  readonly #state$ = new BehaviorSubject<CircuitState>('closed');
  #state: CircuitState = 'closed';
  readonly #scheduler: SchedulerLike;
  readonly #failureThreshold: number;
  readonly #resetTimeoutMs: number;
  readonly #halfOpenMax: number;
  readonly #window?: { size: number; minimumCalls: number; failureRatio: number };
  #consecutiveFailures = 0;
  /** Outcomes of recent calls while closed, oldest first (true = failure); window mode only. */
  #outcomes: boolean[] = [];
  #probes = 0;
  #retryAt = 0;
  #timer?: Subscription;
  #disposed = false;

  /**
   * @param options Bad values throw a `TypeError` naming the option under `path`.
   * @param scheduler Clock and timer of the breaker. Defaults to `asyncScheduler`.
   * @param path Prefix of the option names in error messages. Defaults to `circuitBreaker`.
   */
  constructor(
    options: CircuitBreakerOptions,
    scheduler: SchedulerLike = asyncScheduler,
    path = 'circuitBreaker',
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected \`${path || 'options'}\` to be an object { failureThreshold, resetTimeoutMs, ... }, got ${describeValue(options)}`,
      );
    }
    const at = (key: string): string => optionPath(path, key);
    this.#failureThreshold = checkNumber(options.failureThreshold, at('failureThreshold'), {
      min: 1,
      integer: true,
    });
    this.#resetTimeoutMs = checkDuration(options.resetTimeoutMs, at('resetTimeoutMs'));
    this.#halfOpenMax = checkNumber(
      options.halfOpenMax ?? DEFAULTS.halfOpenMax,
      at('halfOpenMax'),
      {
        min: 1,
        integer: true,
      },
    );
    if (options.window !== undefined) {
      const { window } = options;
      if (typeof window !== 'object' || window === null) {
        throw new TypeError(
          `Expected \`${at('window')}\` to be an object { size, minimumCalls?, failureRatio }, got ${describeValue(window)}`,
        );
      }
      const size = checkNumber(window.size, at('window.size'), { min: 1, integer: true });
      this.#window = {
        size,
        minimumCalls: checkNumber(window.minimumCalls ?? size, at('window.minimumCalls'), {
          min: 1,
          max: size,
          integer: true,
        }),
        failureRatio: checkNumber(window.failureRatio, at('window.failureRatio'), {
          min: 0,
          exclusiveMin: true,
          max: 1,
        }),
      };
    }
    this.#scheduler = scheduler;
    this.state$ = this.#state$.pipe(distinctUntilChanged());
  }

  /** The state in force now (an elapsed open period reads as `'half-open'`). */
  get state(): CircuitState {
    this.#checkReset();
    return this.#state;
  }

  /**
   * Asks to make a call: true when closed, or when half-open with a probe slot free (the slot is
   * then taken until `onSuccess`, `onFailure` or `release`); false while open.
   */
  tryAcquire(): boolean {
    switch (this.state) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half-open':
        if (this.#probes >= this.#halfOpenMax) return false;
        this.#probes++;
        return true;
    }
  }

  /** Records a successful call: a half-open probe's success closes the breaker. */
  onSuccess(): void {
    const state = this.state;
    if (state === 'half-open') {
      this.#close();
    } else if (state === 'closed') {
      this.#consecutiveFailures = 0;
      this.#record(false);
    }
    // While open, a late result of a call started before opening changes nothing.
  }

  /** Records a failed call: may open the breaker; a half-open probe's failure reopens it. */
  onFailure(): void {
    const state = this.state;
    if (state === 'half-open') {
      this.#open();
    } else if (state === 'closed') {
      this.#consecutiveFailures++;
      this.#record(true);
      if (this.#shouldOpen()) this.#open();
    }
  }

  /** Gives back a half-open probe slot without a verdict, e.g. when its call was cancelled. */
  release(): void {
    if (this.#probes > 0) this.#probes--;
  }

  /** When the breaker lets calls through again, in the scheduler's ms (now unless open). */
  retryAt(): number {
    return this.state === 'open' ? this.#retryAt : this.#scheduler.now();
  }

  /** The error a refused call rejects with: when and in how many ms calls pass again. */
  openError(): CircuitOpenError {
    const retryAt = this.retryAt();
    return new CircuitOpenError(retryAt, Math.max(0, retryAt - this.#scheduler.now()));
  }

  /** Cancels the pending half-open timer and completes `state$`. */
  dispose(): void {
    this.#disposed = true;
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#state$.complete();
  }

  #shouldOpen(): boolean {
    const window = this.#window;
    if (!window) return this.#consecutiveFailures >= this.#failureThreshold;
    const calls = this.#outcomes.length;
    if (calls < window.minimumCalls) return false;
    const failures = this.#outcomes.reduce((n, failed) => (failed ? n + 1 : n), 0);
    return failures / calls >= window.failureRatio;
  }

  #record(failed: boolean): void {
    if (!this.#window) return;
    this.#outcomes.push(failed);
    if (this.#outcomes.length > this.#window.size) this.#outcomes.shift();
  }

  #open(): void {
    this.#probes = 0;
    this.#retryAt = this.#scheduler.now() + this.#resetTimeoutMs;
    this.#set('open');
    // The timer makes `state$` announce half-open on time, so a paused consumer can resume;
    // `#checkReset` also runs on every read, for clocks that move without running timers.
    this.#schedule(this.#resetTimeoutMs);
  }

  #schedule(delay: number): void {
    this.#timer?.unsubscribe();
    if (this.#disposed) return;
    this.#timer = this.#scheduler.schedule(() => {
      this.#timer = undefined;
      this.#checkReset();
      // A real timer may fire a millisecond early: wait out the rest rather than stay open.
      if (this.#state === 'open')
        this.#schedule(Math.max(1, this.#retryAt - this.#scheduler.now()));
    }, delay);
  }

  #close(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#probes = 0;
    this.#consecutiveFailures = 0;
    this.#outcomes = [];
    this.#set('closed');
  }

  #checkReset(): void {
    if (this.#state === 'open' && this.#scheduler.now() >= this.#retryAt) {
      this.#timer?.unsubscribe();
      this.#timer = undefined;
      this.#probes = 0;
      this.#set('half-open');
    }
  }

  #set(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#state$.next(state);
  }
}
