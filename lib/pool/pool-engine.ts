import { BehaviorSubject, Observable, type Subscriber } from 'rxjs';
import type { KeyedScheduler } from '../channel/scheduler';
import { QueueFullError } from '../errors/queue-full-error';
import { TaskCancelledError, type CancelReason } from '../errors/task-cancelled-error';
import { toError } from '../errors/to-error';
import { priorityMergeInternals, type MergeControl } from '../merge/priority-merge-internals';
import type { TaskResult, TaskStatus } from '../task/task';
import type { Priority } from '../task/priority';
import { AbortWatchers } from './abort-watchers';
import {
  attemptEnded,
  emitRetrying,
  emitStarted,
  logAttemptEnd,
  retryDelay,
  withoutStacks,
} from './attempt-steps';
import { AttemptRunner } from './attempt-runner';
import { Waiters } from './waiters';
import { LiveTaskIndex } from './live-task-index';
import { endTask } from './task-end';
import type { EngineConfig } from './engine-config';
import type { Instruments } from './instrumentation';
import { RunningList } from './running-list';
import { HotStream } from '../merge/hot-stream';
import { EVENT_KIND, withKey, type PoolEvent } from './pool-events';
import { Attempt, Outcome, PoolTask, TaskState } from './pool-task';
import type { PoolEntry } from './batch-former';
import type { BatchHost } from './batch-runner';
import { PoolBatches, TaskBatch } from './pool-batches';

/**
 * The private engine under `WorkerPool`: the intake subject, the priority channel and the
 * dynamic-concurrency merge, and the life of each task from acceptance to its one result.
 */
export class PoolEngine<I, O> {
  /** The waiting tasks, behind the scheduling contract. */
  readonly channel: KeyedScheduler<PoolTask<I, O>>;
  readonly results = new HotStream<TaskResult<I, O>>();
  readonly events = new HotStream<PoolEvent>();
  /** The effective dispatch limit (0 while paused or while the breaker is open). */
  readonly dispatchLimit$ = new BehaviorSubject<number>(0);
  /** Completes when the intake has completed and every accepted task has ended. */
  readonly drained: Promise<void>;
  /** Tasks waiting out a retry backoff. */
  readonly backoff = new Set<PoolTask<I, O>>();
  /** Attempts holding a slot, so shutdown and unsubscribes can find them. */
  readonly running = new RunningList<Attempt<I, O>>();
  abandonedRunning = 0;
  /** True once shutdown cut work off: no more retries. */
  cutOff = false;

  /**
   * The intake: a hot source whose one subscriber is the merge. RxJS's `Subject.next` loops
   * with an iterator that its CommonJS build allocates on every value (~170 bytes a task in
   * the allocation profile), so tasks go straight to that one subscriber.
   */
  #intake: Subscriber<PoolTask<I, O>> | undefined;
  readonly #config: EngineConfig<I, O>;
  /**
   * One abort listener per caller signal, however many tasks share it: a listener per task
   * trips Node's MaxListeners warning and makes each removal O(listeners).
   */
  readonly #watchers: AbortWatchers<PoolTask<I, O>>;
  /** Calls the handler of each attempt, under its timeout and abort. */
  readonly #runner: AttemptRunner<I, O>;
  #control!: MergeControl<PoolEntry<I, O>>;
  /** A batch handler's batches; undefined for any other handler. */
  readonly #batches: PoolBatches<I, O> | undefined;
  readonly #waiters = new Waiters();
  /** The registered instrumentations; undefined while there are none (the common case). */
  instruments: Instruments<I, O> | undefined;
  /** The live tasks by id. */
  readonly live = new LiveTaskIndex<PoolTask<I, O>>((match) => {
    for (const attempt of this.running.toArray()) if (match(attempt.task)) return attempt.task;
    for (const task of this.backoff) if (match(task)) return task;
    return this.#batches?.waitingItems().find(match) ?? this.channel.find(match);
  });
  /**
   * While an acceptance or a release runs the merge synchronously: its time, for the attempts
   * it starts (reading the clock costs ~80 ns here). -1 otherwise.
   */
  #instant = -1;
  /** The pool's clock, relative to its epoch: small integers that V8 keeps unboxed. */
  readonly now: () => number;

  constructor(config: EngineConfig<I, O>) {
    this.#config = config;
    const { scheduler, epoch } = config;
    this.now = () => scheduler.now() - epoch;
    this.#watchers = new AbortWatchers((tasks, reason) =>
      withoutStacks(() => {
        for (const task of tasks) this.cancel(task, 'caller', reason);
      }),
    );
    this.#runner = new AttemptRunner<I, O>({
      host: {
        now: this.now,
        release: (attempt) => this.#release(attempt),
        abandoned: (delta) => (this.abandonedRunning += delta),
      },
      metrics: config.metrics,
      scheduler,
      abortGraceMs: config.abortGraceMs,
      logger: config.logger,
    });
    this.channel = config.waiting(this.now);
    this.#batches =
      config.batch &&
      new PoolBatches(config.batch, this.channel, this.#batchHost(), {
        metrics: config.metrics,
        scheduler,
        abortGraceMs: config.abortGraceMs,
        logger: config.logger,
      });
    const intake$ = new Observable<PoolTask<I, O>>((intake) => {
      this.#intake = intake;
    });
    const pipeline = new Observable<never>((subscriber) =>
      priorityMergeInternals<PoolEntry<I, O>, never>(intake$, subscriber, {
        channel: this.#batches?.former ?? this.channel,
        limit$: this.dispatchLimit$,
        scheduler: config.scheduler,
        gate: config.gate,
        start: (entry) =>
          this.#batches !== undefined && entry instanceof TaskBatch
            ? this.#batches.start(entry)
            : this.#start(entry as PoolTask<I, O>),
        overflow: (task, evicted) => this.#overflow(task as PoolTask<I, O>, evicted),
        control: (control) => (this.#control = control),
      }),
    );
    this.drained = new Promise<void>((resolve, reject) => {
      pipeline.subscribe({ complete: resolve, error: reject });
    });
  }

  /** Slots held now. */
  get active(): number {
    return this.#control.active;
  }

  /** Tasks waiting at each level, backoff included: `[low, normal, high, critical]`. */
  queuedByPriority(): [number, number, number, number] {
    const sizes = this.channel.sizes();
    for (const task of this.backoff) sizes[task.priority]++;
    this.#batches?.addSizes(sizes);
    return sizes;
  }

  /** Takes a task in: it ends in exactly one result from here on. */
  accept(task: PoolTask<I, O>): void {
    const { metrics } = this.#config;
    metrics.submitted++;
    this.live.add(task);
    this.instruments?.accepted(task);
    if (task.group) task.group.pending++;
    const signal = task.settings.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#finish(
          task,
          'cancelled',
          undefined,
          this.#cancelError(task, 'caller', signal.reason),
        );
        return;
      }
      this.#watchers.watch(signal, task);
    }
    if (this.events.wants(QUEUED))
      this.events.next(
        withKey({ type: 'queued' as const, taskId: task.id, priority: task.priority }, task.key),
        QUEUED,
      );
    // A task that starts at once starts at the instant it was accepted: one clock read fewer.
    const outer = this.#instant;
    this.#instant = task.queuedAt;
    try {
      this.#intake?.next(task);
    } finally {
      this.#instant = outer;
    }
  }

  /** Completes the intake: queued tasks still run, then `drained` resolves. */
  close(): void {
    this.#intake?.complete();
    // Nothing more comes to fill a forming batch.
    this.#batches?.former.close();
  }

  pump(): void {
    this.#control.pump();
  }

  /** Cancels a task wherever it is: queued, waiting out a backoff, or running (aborted). */
  cancel(task: PoolTask<I, O>, reason: CancelReason, cause?: unknown): void {
    switch (task.state) {
      case TaskState.Queued:
        this.channel.remove(task);
        this.#finish(task, 'cancelled', undefined, this.#cancelError(task, reason, cause));
        break;
      case TaskState.Backoff:
        task.attempt?.timer?.unsubscribe();
        this.backoff.delete(task);
        this.#finish(task, 'cancelled', undefined, this.#cancelError(task, reason, cause));
        this.#control.unhold();
        break;
      case TaskState.Forming:
        this.#finish(task, 'cancelled', undefined, this.#cancelError(task, reason, cause));
        this.#batches?.leaveForming(task);
        break;
      case TaskState.Running: {
        const attempt = task.attempt as Attempt<I, O>;
        const error = this.#cancelError(task, reason, cause);
        if (attempt.batch !== undefined) this.#batches?.cancelItem(attempt, error);
        else this.#runner.abort(attempt, Outcome.Cancelled, error);
        break;
      }
      default:
        break;
    }
  }

  /**
   * Cancels every task matching `predicate`: queued and backoff ones end at once, running ones
   * are aborted through their signal. Returns both lists (for the shutdown report).
   */
  cancelWhere(
    predicate: (task: PoolTask<I, O>) => boolean,
    reason: CancelReason,
    includeRunning = true,
  ): { cancelled: PoolTask<I, O>[]; aborted: PoolTask<I, O>[] } {
    return withoutStacks(() => {
      const cancelled = [...this.backoff].filter(predicate);
      // A loop, not push(...removed): spread arguments overflow the stack past ~120k tasks.
      for (const task of this.channel.removeWhere(predicate)) cancelled.push(task);
      for (const task of this.#batches?.waitingItems() ?? [])
        if (predicate(task)) cancelled.push(task);
      for (const task of cancelled) this.cancel(task, reason);
      const aborted: PoolTask<I, O>[] = [];
      for (const attempt of includeRunning ? this.running.toArray() : []) {
        if (attempt.outcome !== Outcome.Pending || !predicate(attempt.task)) continue;
        aborted.push(attempt.task);
        this.cancel(attempt.task, reason);
      }
      // Nothing may be left to free a slot: let the merge see whether it is drained.
      this.#control.pump();
      return { cancelled, aborted };
    });
  }

  /** Waiting tasks: queued or waiting out a backoff. */
  get size(): number {
    return this.channel.size + this.backoff.size + (this.#batches?.waiting ?? 0);
  }

  /** Resolves once fewer than `limit` tasks wait (queued or in backoff); at once if so. */
  onSizeLessThan(limit: number): Promise<void> {
    return this.#waiters.onSizeLessThan(this.size, limit);
  }

  /** Moves a queued task to the back of another level; false unless it is queued. */
  setPriority(task: PoolTask<I, O>, priority: Priority): boolean {
    if (task.state !== TaskState.Queued) return false;
    this.channel.move(task, priority);
    return true;
  }

  /** Resolves once nothing is queued, waiting out a backoff or running. */
  onIdle(): Promise<void> {
    return this.#waiters.onIdle(this.#isIdle());
  }

  /** The shutdown deadline: cancels everything left, and no retry starts after it. */
  cutOffAll(): { cancelled: PoolTask<I, O>[]; aborted: PoolTask<I, O>[] } {
    this.cutOff = true;
    return this.cancelWhere(() => true, 'shutdown');
  }

  /** Settles every waiter at shutdown: none is left pending. */
  releaseWaiters(): void {
    this.channel.releaseWaiters();
    this.#waiters.releaseAll();
  }

  /** Stops every timer the engine owns (after the drain). */
  dispose(): void {
    this.#runner.dispose();
    this.#batches?.dispose();
  }

  #start(task: PoolTask<I, O>): void {
    const now = this.#instant >= 0 ? this.#instant : this.now();
    this.#runner.run(this.#beginAttempt(task, now), now, this.instruments);
  }

  /** An attempt of `task` starts at `now`: running, counted and announced. */
  #beginAttempt(task: PoolTask<I, O>, now: number): Attempt<I, O> {
    const previous = task.attempt;
    task.state = TaskState.Running;
    // The channel (or a forming batch) just gave this task up: the queue shrank.
    if (this.#waiters.waitingForSize) this.#waiters.sizeIs(this.size);
    const attempt = new Attempt<I, O>(
      task,
      previous === undefined ? 1 : previous.attempt + 1,
      now,
      previous,
    );
    attempt.waitMs += now - task.queuedAt;
    task.attempt = attempt;
    this.running.add(attempt);
    this.#config.metrics.started++;
    if (this.events.wants(STARTED)) emitStarted(this.events, attempt);
    return attempt;
  }

  /** The runner is done with an attempt: its result or retry, then its slot is free. */
  #release(attempt: Attempt<I, O>): void {
    const now = this.now();
    this.#endAttempt(attempt, now);
    this.#releaseSlot(attempt.task, now);
  }

  /** An attempt whose outcome is decided leaves the running ones: its result, or a retry. */
  #endAttempt(attempt: Attempt<I, O>, now: number): void {
    this.running.delete(attempt);
    attempt.runMs += now - attempt.startedAt;
    if (this.instruments !== undefined) attemptEnded(this.instruments, attempt);
    this.#next(attempt);
  }

  /**
   * Frees an entry's slots. Last, so a retry re-queued by #next competes before the merge pumps;
   * the next task starts synchronously inside, at this same instant: it reuses `now`.
   */
  #releaseSlot(entry: PoolEntry<I, O>, now: number): void {
    const outer = this.#instant;
    this.#instant = now;
    try {
      this.#control.release(entry);
    } finally {
      this.#instant = outer;
    }
  }

  /** What the batch runner may do to the engine. */
  #batchHost(): BatchHost<I, O> {
    const engine = this;
    return {
      now: () => this.now(),
      get instruments() {
        return engine.instruments;
      },
      beginAttempt: (task, now) => this.#beginAttempt(task, now),
      endAttempt: (attempt, now) => this.#endAttempt(attempt, now),
      releaseSlot: (batch) => this.#releaseSlot(batch, this.now()),
      abandoned: (delta) => (this.abandonedRunning += delta),
    };
  }

  /** After an attempt: the result, or a retry after a backoff. */
  #next(attempt: Attempt<I, O>): void {
    const task = attempt.task;
    const breaker = this.#config.breaker;
    switch (attempt.outcome) {
      case Outcome.Succeeded:
        breaker?.onSuccess();
        this.#finish(task, 'succeeded', attempt.result as O, undefined);
        return;
      case Outcome.Cancelled:
        // No verdict on the downstream: give a half-open probe slot back.
        breaker?.release();
        this.#finish(task, 'cancelled', undefined, attempt.result as Error);
        return;
      default:
        break;
    }
    breaker?.onFailure();
    const error = toError(attempt.result);
    attempt.addError(error);
    const { delay, final } = retryDelay(attempt, error, this.cutOff);
    if (delay === undefined) {
      logAttemptEnd(this.#config.logger, attempt, final, undefined);
      this.#finish(task, 'failed', undefined, final);
      return;
    }
    this.#config.metrics.retries++;
    logAttemptEnd(this.#config.logger, attempt, error, delay);
    if (this.events.wants(RETRYING)) {
      emitRetrying(this.events, attempt, delay, error);
    }
    this.instruments?.retrying(task, attempt.attempt, delay, error);
    task.state = TaskState.Backoff;
    this.backoff.add(task);
    this.#control.hold();
    // A waiting task holds no slot: it re-enters the channel at the front of its level.
    attempt.timer = this.#config.scheduler.schedule(() => {
      attempt.timer = undefined;
      this.backoff.delete(task);
      task.state = TaskState.Queued;
      task.queuedAt = this.now();
      this.#control.requeue(task);
      this.#control.unhold();
    }, delay);
  }

  #overflow(task: PoolTask<I, O>, evicted: boolean): void {
    const error = new QueueFullError(this.channel.capacity, task.id, evicted);
    this.#finish(task, 'rejected', undefined, error);
  }

  /** The one terminal result of a task. */
  #finish(
    task: PoolTask<I, O>,
    status: TaskStatus,
    value: O | undefined,
    error: Error | undefined,
  ): void {
    task.state = TaskState.Done;
    this.live.delete(task);
    // Before its slots are released: the key's line is still there to count it.
    if (task.key !== undefined && (status === 'succeeded' || status === 'failed')) {
      this.channel.countOutcome(task, status === 'succeeded');
    }
    if (task.settings.signal !== undefined) this.#watchers.unwatch(task.settings.signal, task);
    endTask(
      task,
      status,
      value,
      error,
      this.#config.metrics,
      this.results,
      this.events,
      this.instruments,
    );
    if (this.#waiters.waiting) {
      this.#waiters.sizeIs(this.size);
      if (this.#isIdle()) this.#waiters.idle();
    }
  }

  #isIdle(): boolean {
    return this.channel.size === 0 && this.running.size === 0 && this.backoff.size === 0;
  }

  #cancelError(task: PoolTask<I, O>, reason: CancelReason, cause: unknown): TaskCancelledError {
    return new TaskCancelledError(reason, task.id, cause === undefined ? undefined : { cause });
  }
}

const { queued: QUEUED, started: STARTED, retrying: RETRYING } = EVENT_KIND;
