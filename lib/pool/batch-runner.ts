import type { Logger } from 'pino';
import { isObservable, last } from 'rxjs';
import { BatchError } from '../errors/batch-error';
import { NonRetryableError } from '../errors/non-retryable-error';
import { TaskTimeoutError } from '../errors/task-timeout-error';
import { toError } from '../errors/to-error';
import {
  isBatchItemFailure,
  batchOutcomes,
  type BatchItemFailure,
  type BatchContext,
  type BatchSettings,
} from '../task/batch-handler';
import type { Task } from '../task/task';
import { isPromiseLike } from './attempt-steps';
import type { RunnerParts } from './attempt-runner';
import { DeadlineLists } from './deadline-list';
import type { BatchItem, Instruments } from './instrumentation';
import { Outcome, TaskState, type Attempt, type PoolTask } from './pool-task';
import type { TaskBatch } from './task-batch';

/** What the runner needs of the engine for the items of a call. */
export interface BatchHost<I, O> {
  /** The pool's clock. */
  now(): number;
  /** The registered instrumentations; undefined while there are none. */
  readonly instruments: Instruments<I, O> | undefined;
  /** An item's attempt starts: running, counted, announced. */
  beginAttempt(task: PoolTask<I, O>, now: number): Attempt<I, O>;
  /** An item's attempt has its outcome: its result or its retry (the slot is the batch's). */
  endAttempt(attempt: Attempt<I, O>, now: number): void;
  /** The batch's call is over (or given up on): its slot is free. */
  releaseSlot(batch: TaskBatch<I, O>): void;
  /** Counts calls given up on after the abort grace that still run (+1), or ended later (-1). */
  abandoned(delta: number): void;
}

/** The runner's settings, from the pool. */
export interface BatchRunnerConfig<I, O> extends RunnerParts {
  host: BatchHost<I, O>;
  settings: BatchSettings<I, O>;
}

/**
 * Runs the calls of a batch handler: one call per closed batch, one attempt per item. The call
 * runs under the smallest `timeoutMs` of its items; what it returns decides each item's attempt
 * (a value, or a `BatchItemFailure` for that item alone), and a throw, a rejection or a result
 * of the wrong length fails them all with a `BatchError`. A cancelled item ends at once; the
 * call is aborted only when no item is left waiting for it.
 */
export class BatchRunner<I, O> {
  readonly #config: BatchRunnerConfig<I, O>;
  readonly #deadlines: DeadlineLists<TaskBatch<I, O>>;

  constructor(config: BatchRunnerConfig<I, O>) {
    this.#config = config;
    this.#deadlines = new DeadlineLists<TaskBatch<I, O>>(
      config.scheduler,
      (batch, timeoutMs) => this.#timeOut(batch, timeoutMs),
      () => config.host.now(),
    );
  }

  /** A closed batch: its items' attempts start, and the call with them. */
  call(batch: TaskBatch<I, O>): void {
    const { host, metrics, settings } = this.#config;
    const now = host.now();
    const attempts: Attempt<I, O>[] = [];
    let timeoutMs: number | undefined;
    for (const task of batch.items) {
      // An item cancelled while the batch formed has ended already.
      if (task.state !== TaskState.Forming) continue;
      const attempt = host.beginAttempt(task, now);
      attempt.batch = batch;
      attempts.push(attempt);
      const itemTimeout = task.settings.timeoutMs;
      if (itemTimeout !== undefined && !(timeoutMs !== undefined && timeoutMs <= itemTimeout)) {
        timeoutMs = itemTimeout;
      }
    }
    batch.attempts = attempts;
    batch.pending = attempts.length;
    batch.startedAt = now;
    if (attempts.length === 0) {
      batch.settled = true;
      this.#release(batch);
      return;
    }
    metrics.recordBatch(attempts.length);
    if (timeoutMs !== undefined) {
      batch.timeoutMs = timeoutMs;
      this.#deadlines.of(timeoutMs).add(batch, now);
    }
    const inputs = attempts.map((attempt) => attempt.task.input);
    const ctx = new BatchCall(batch, this.#config.logger);
    const instruments = host.instruments;
    try {
      let output: ReturnType<typeof settings.run>;
      if (instruments === undefined) output = settings.run(inputs, ctx);
      else {
        const items: BatchItem<I>[] = attempts.map(({ task, attempt }) => ({ task, attempt }));
        batch.traced = { instruments, items };
        output = instruments.runBatch(items, () => settings.run(inputs, ctx));
      }
      if (isPromiseLike(output)) {
        output.then(
          (value) => this.#settle(batch, true, value),
          (error: unknown) => this.#settle(batch, false, error),
        );
      } else if (isObservable(output)) {
        // Unsubscribing is how an Observable call is stopped: an abort does it.
        batch.subscription = output.pipe(last(undefined, undefined)).subscribe({
          next: (value) => this.#settle(batch, true, value),
          error: (error: unknown) => this.#settle(batch, false, error),
        });
      } else this.#settle(batch, true, output);
    } catch (error) {
      this.#settle(batch, false, error);
    }
  }

  /**
   * Cancels an item of a running call: it ends now with `reason`, and what the call returns for
   * it is ignored. The call is aborted once none of its items waits for it.
   */
  cancelItem(attempt: Attempt<I, O>, reason: Error): void {
    const batch = attempt.batch as TaskBatch<I, O>;
    if (attempt.outcome !== Outcome.Pending || batch.released) return;
    attempt.outcome = Outcome.Cancelled;
    attempt.result = reason;
    attempt.released = true;
    batch.pending--;
    this.#config.host.endAttempt(attempt, this.#config.host.now());
    if (batch.pending === 0) this.#abort(batch, reason);
  }

  /** Stops every timer (after the drain). */
  dispose(): void {
    this.#deadlines.dispose();
  }

  #timeOut(batch: TaskBatch<I, O>, timeoutMs: number): void {
    const { metrics } = this.#config;
    let reason: Error | undefined;
    for (const attempt of batch.attempts) {
      if (attempt.outcome !== Outcome.Pending) continue;
      metrics.timeouts++;
      const error = new TaskTimeoutError(timeoutMs, attempt.task.id, attempt.attempt);
      reason ??= error;
      attempt.outcome = Outcome.Failed;
      attempt.result = error;
    }
    batch.pending = 0;
    if (reason !== undefined) this.#abort(batch, reason);
  }

  /** Aborts the call's signal; its slot is freed when it settles, or after the grace. */
  #abort(batch: TaskBatch<I, O>, reason: Error): void {
    if (batch.abortReason !== undefined || batch.settled || batch.released) return;
    batch.abortReason = reason;
    batch.controller?.abort(reason);
    if (batch.settled) return; // it settled synchronously on the abort
    if (batch.subscription !== undefined) {
      // Unsubscribed: it cannot emit any more, so it has stopped.
      batch.subscription.unsubscribe();
      this.#settle(batch, false, reason);
      return;
    }
    const { abortGraceMs, scheduler } = this.#config;
    if (abortGraceMs === 0) this.#giveUp(batch);
    else if (abortGraceMs !== Infinity) {
      batch.timer = scheduler.schedule(() => this.#giveUp(batch), abortGraceMs);
    }
  }

  #giveUp(batch: TaskBatch<I, O>): void {
    if (batch.settled || batch.released) return;
    this.#config.host.abandoned(1);
    this.#config.logger.warn(
      { items: batch.attempts.length, graceMs: this.#config.abortGraceMs },
      'batch function ignored its abort signal; slot freed, call abandoned',
    );
    this.#release(batch);
  }

  /** The call returned or threw: each item still waiting for it gets its outcome. */
  #settle(batch: TaskBatch<I, O>, ok: boolean, result: unknown): void {
    if (batch.settled) return;
    batch.settled = true;
    if (batch.released) {
      this.#config.host.abandoned(-1);
      return;
    }
    const size = batch.attempts.length;
    let outcomes: ReadonlyArray<unknown> = [];
    let failure: Error | undefined;
    if (ok) {
      try {
        outcomes = batchOutcomes(result, size);
      } catch (error) {
        failure = toError(error);
      }
    } else failure = wholeBatchFailure(result, size);
    batch.callError = failure;
    batch.attempts.forEach((attempt, i) => {
      if (attempt.outcome !== Outcome.Pending) return;
      const outcome = outcomes[i];
      if (failure !== undefined || isBatchItemFailure(outcome)) {
        attempt.outcome = Outcome.Failed;
        attempt.result = failure ?? (outcome as BatchItemFailure).error;
      } else {
        attempt.outcome = Outcome.Succeeded;
        attempt.result = outcome;
      }
    });
    this.#release(batch);
  }

  /** The call is over: every item not ended yet gets its result or retry, then the slot is free. */
  #release(batch: TaskBatch<I, O>): void {
    batch.released = true;
    if (batch.timeoutMs !== undefined) this.#deadlines.leave(batch, batch.timeoutMs);
    batch.timer?.unsubscribe();
    batch.timer = undefined;
    const { host } = this.#config;
    const now = host.now();
    for (const attempt of batch.attempts) {
      if (attempt.released) continue;
      attempt.released = true;
      // Given up on after the grace: its outcome was decided by the abort.
      if (attempt.outcome === Outcome.Pending) {
        attempt.outcome = Outcome.Failed;
        attempt.result = batch.abortReason;
      }
      host.endAttempt(attempt, now);
    }
    batch.pending = 0;
    const traced = batch.traced;
    if (traced !== undefined) {
      traced.instruments.batchEnded(traced.items, batch.callError ?? batch.abortReason);
    }
    host.releaseSlot(batch);
  }
}

/** The `BatchError` of a call that threw or rejected; final when its cause is. */
function wholeBatchFailure(cause: unknown, size: number): BatchError {
  const error = new BatchError(
    `The batch call of ${size} items failed: ${toError(cause).message}`,
    size,
    { cause },
  );
  return NonRetryableError.isMarked(cause) ? NonRetryableError.mark(error) : error;
}

/** A call's `ctx`: its signal and logger are made only when the batch function reads them. */
class BatchCall<I, O> implements BatchContext<I> {
  #logger: Logger | undefined;
  readonly tasks: readonly Task<I>[];
  readonly attempts: readonly number[];

  constructor(
    private readonly batch: TaskBatch<I, O>,
    private readonly parentLogger: Logger,
  ) {
    this.tasks = batch.attempts.map((attempt) => attempt.task);
    this.attempts = batch.attempts.map((attempt) => attempt.attempt);
  }

  get signal(): AbortSignal {
    const batch = this.batch;
    if (batch.controller === undefined) {
      batch.controller = new AbortController();
      if (batch.abortReason !== undefined) batch.controller.abort(batch.abortReason);
    }
    return batch.controller.signal;
  }

  get logger(): Logger {
    return (this.#logger ??= this.parentLogger.child({ batchSize: this.tasks.length }));
  }
}
