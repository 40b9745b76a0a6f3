import { isObservable, last, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import { TaskTimeoutError } from '../errors/task-timeout-error';
import { WorkerPoolError } from '../errors/worker-pool-error';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import { callHandler, isPromiseLike } from './attempt-steps';
import { DeadlineLists } from './deadline-list';
import type { Instruments } from './instrumentation';
import { Outcome, type Attempt } from './pool-task';

/** What a runner needs of the engine around the handler's call. */
export interface AttemptHost<I, O> {
  /** The pool's clock. */
  now(): number;
  /** An attempt whose outcome is decided has stopped (or been given up on): its slot is free. */
  release(attempt: Attempt<I, O>): void;
  /** Counts handlers given up on after the abort grace that still run (+1), or ended later (-1). */
  abandoned(delta: number): void;
}

/** What a runner takes from the pool besides its host: the parts every runner shares. */
export interface RunnerParts {
  metrics: MetricsRecorder;
  scheduler: SchedulerLike;
  abortGraceMs: number;
  logger: Logger;
}

/** The runner's settings, from the pool. */
export interface AttemptRunnerConfig<I, O> extends RunnerParts {
  host: AttemptHost<I, O>;
}

/**
 * Runs one attempt's handler call: under its timeout, settled once by whichever comes first
 * (the handler, the timeout, an abort), and given up on when it ignores an abort for longer
 * than `abortGraceMs`.
 */
export class AttemptRunner<I, O> {
  readonly #config: AttemptRunnerConfig<I, O>;
  readonly #deadlines: DeadlineLists<Attempt<I, O>>;
  /**
   * A promise handler's callbacks, made once per runner and bound to each attempt: two bound
   * functions cost ~57 bytes a task less than two closures and their shared context.
   */
  readonly #onFulfilled: (this: Attempt<I, O>, value: unknown) => void;
  readonly #onRejected: (this: Attempt<I, O>, error: unknown) => void;

  constructor(config: AttemptRunnerConfig<I, O>) {
    this.#config = config;
    // Inside these two, `this` is the attempt they are bound to; they call the shared method.
    const runner = this;
    this.#onFulfilled = function (value) {
      runner.settle(this, true, value);
    };
    this.#onRejected = function (error) {
      runner.settle(this, false, error);
    };
    this.#deadlines = new DeadlineLists<Attempt<I, O>>(
      config.scheduler,
      (attempt, timeoutMs) => {
        config.metrics.timeouts++;
        const error = new TaskTimeoutError(timeoutMs, attempt.task.id, attempt.attempt);
        this.abort(attempt, Outcome.Failed, error);
      },
      () => config.host.now(),
    );
  }

  /**
   * Calls the handler of an attempt that has just started at `now`, inside the `attempt` hooks
   * of the instrumentations if there are any.
   */
  run(attempt: Attempt<I, O>, now: number, instruments: Instruments<I, O> | undefined): void {
    const { handler, timeoutMs } = attempt.task.settings;
    if (timeoutMs !== undefined) this.#deadlines.of(timeoutMs).add(attempt, now);
    try {
      if (handler === undefined) {
        throw new WorkerPoolError(
          'The pool has no handler: pass `handler` to the constructor, or use run()',
        );
      }
      const output = callHandler(instruments, handler, attempt);
      // Inside the try: a thenable whose `then` getter or call throws fails the attempt (once:
      // settling is idempotent) instead of escaping as an uncaught exception.
      if (isPromiseLike(output)) {
        output.then(this.#onFulfilled.bind(attempt), this.#onRejected.bind(attempt));
      } else if (isObservable(output)) {
        // Unsubscribing is how an Observable handler is stopped: abort() does it.
        attempt.subscription = output.pipe(last(undefined, undefined)).subscribe({
          next: (value) => this.settle(attempt, true, value),
          error: (error: unknown) => this.settle(attempt, false, error),
        });
      } else {
        this.settle(attempt, true, output);
      }
    } catch (error) {
      this.settle(attempt, false, error);
    }
  }

  /** The handler settled: decide the outcome if nothing else did first, then free the slot. */
  settle(attempt: Attempt<I, O>, ok: boolean, result: unknown): void {
    if (attempt.settled) return;
    attempt.settled = true;
    if (attempt.outcome === Outcome.Pending) {
      attempt.outcome = ok ? Outcome.Succeeded : Outcome.Failed;
      attempt.result = result;
    }
    if (attempt.released) {
      // It had been given up on after abortGraceMs; it has stopped at last.
      this.#config.host.abandoned(-1);
      return;
    }
    this.#release(attempt);
  }

  /** Timeout, cancel or shutdown: the outcome is decided now; the slot is freed on settle or after the grace. */
  abort(attempt: Attempt<I, O>, outcome: Outcome, reason: Error): void {
    if (attempt.outcome !== Outcome.Pending || attempt.released) return;
    attempt.outcome = outcome;
    attempt.result = reason;
    // Decided: its deadline can no longer count as a timeout during the abort grace.
    const timeoutMs = attempt.task.settings.timeoutMs;
    if (timeoutMs !== undefined) this.#deadlines.leave(attempt, timeoutMs);
    const observableHandler = attempt.subscription !== undefined;
    attempt.abort(reason);
    // A handler that settles synchronously on abort has already freed its slot (and may have
    // started a backoff, which owns `attempt.timer` now): no grace timer for it.
    if (attempt.settled) return;
    if (observableHandler) {
      // Unsubscribed: it cannot emit any more, so it has stopped.
      this.settle(attempt, false, reason);
      return;
    }
    const { abortGraceMs, scheduler } = this.#config;
    if (abortGraceMs === 0) this.#giveUp(attempt);
    // Infinity: wait for the handler however long it takes (no timer: Node would fire it at once).
    else if (abortGraceMs !== Infinity) {
      attempt.timer = scheduler.schedule(() => this.#giveUp(attempt), abortGraceMs);
    }
  }

  /** Stops every timer (after the drain). */
  dispose(): void {
    this.#deadlines.dispose();
  }

  #giveUp(attempt: Attempt<I, O>): void {
    if (attempt.settled || attempt.released) return;
    attempt.abandoned = true;
    this.#config.host.abandoned(1);
    this.#config.logger.warn(
      { taskId: attempt.task.id, attempt: attempt.attempt, graceMs: this.#config.abortGraceMs },
      'handler ignored its abort signal; slot freed, handler abandoned',
    );
    this.#release(attempt);
  }

  #release(attempt: Attempt<I, O>): void {
    attempt.released = true;
    const timeoutMs = attempt.task.settings.timeoutMs;
    if (timeoutMs !== undefined) this.#deadlines.leave(attempt, timeoutMs);
    attempt.timer?.unsubscribe();
    attempt.timer = undefined;
    this.#config.host.release(attempt);
  }
}
