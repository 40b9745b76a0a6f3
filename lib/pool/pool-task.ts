import { inspect } from 'node:util';
import type { Subscriber, Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { ChannelEntry } from '../channel/priority-channel';
import type { ResolvedRetry } from '../retry/retry-policy';
import type { Placement } from '../task/placement';
import { priorityName, type Priority } from '../task/priority';
import type { Handler, Task, TaskContext, TaskResult } from '../task/task';
import { handlerLifecycle } from './handler-lifecycle';
import type { DeadlineNode } from './deadline-list';
import type { RunningNode } from './running-list';
import type { Instruments } from './instrumentation';

/** Where a task is in its life. */
export enum TaskState {
  Queued,
  Running,
  Backoff,
  Done,
  /** Taken into a batch that waits for more items: still waiting, no longer in the channel. */
  Forming,
}

const STATE_MASK = 7;
/** Flag bit: the task was taken out of the channel out of order. */
const REMOVED = 8;
/** Flag bit: the id is the caller's (generated ones are minted from a counter). */
const CALLER_ID = 16;
/** The task's {@link Priority} (0..3) sits in bits 5 and 6. */
const PRIORITY_SHIFT = 5;
const PRIORITY_MASK = 3 << PRIORITY_SHIFT;

const OUTCOME_MASK = 3;
const SETTLED = 4;
const RELEASED = 8;
const ABANDONED = 16;
const IN_DEADLINES = 32;
const RUNNING = 64;
const ABORTED = 128;
const NO_RETRY = 256;

/** How an attempt ended, decided by whichever comes first: settle, timeout or abort. */
export enum Outcome {
  Pending,
  Succeeded,
  Failed,
  Cancelled,
}

/** Settings shared by every task submitted with the same options (no per-task copies). */
export interface TaskSettings<I, O> {
  readonly handler: Handler<I, O> | undefined;
  readonly timeoutMs: number | undefined;
  readonly retry: ResolvedRetry;
  readonly signal: AbortSignal | undefined;
  /** The scheduler time the pool's clock counts from (task times are kept relative to it). */
  readonly epoch: number;
  /** The `process()` subscription the tasks belong to, if any. */
  readonly group: StreamGroup<I, O> | undefined;
  /** Parent of the child loggers handlers get as `ctx.logger`. */
  readonly logger: Logger;
}

/** The tasks of one `process()` subscription. */
export class StreamGroup<I, O> {
  pending = 0;
  sourceDone = false;
  closed = false;
  sourceSubscription: Subscription | undefined;

  constructor(readonly subscriber: Subscriber<TaskResult<I, O>>) {}

  deliver(result: TaskResult<I, O>): void {
    this.pending--;
    if (this.closed) return;
    this.subscriber.next(result);
    this.completeIfDone();
  }

  completeIfDone(): void {
    if (this.sourceDone && this.pending === 0 && !this.closed) {
      this.closed = true;
      this.subscriber.complete();
    }
  }
}

/**
 * A task inside the pool. It is its own channel entry; while it waits it is one small object
 * (plus its promise when it came from `submit()`): everything about running it lives on its
 * {@link Attempt}s. Times are small integers relative to the pool's epoch, so V8 keeps them
 * unboxed.
 */
export class PoolTask<I, O> implements Task<I>, ChannelEntry {
  /**
   * A {@link TaskState} in the low bits, {@link REMOVED}, {@link CALLER_ID} and the priority:
   * one small integer for all four (a field fewer is 8 bytes per queued task).
   */
  #flags: number;
  /** The latest attempt, which carries the task's totals; undefined until it first starts. */
  attempt: Attempt<I, O> | undefined = undefined;
  /**
   * Settles the `submit()` promise, both ways: an error is passed as a {@link Rejection}.
   * Keeping the promise's `reject` function alive as well would cost about 56 bytes per
   * queued task (a fifth of what a queued `submit()` holds).
   */
  resolve: ((value: O | PromiseLike<O>) => void) | undefined = undefined;

  constructor(
    /** The caller's id, or the acceptance number a generated id is made from when first read. */
    private ref: string | number,
    readonly input: I,
    priority: Priority,
    private readonly submittedRel: number,
    readonly settings: TaskSettings<I, O>,
    /** Its key and weight, if it has either (one field: most tasks have neither). */
    private readonly placement: Placement = undefined,
  ) {
    this.#flags =
      TaskState.Queued | (priority << PRIORITY_SHIFT) | (typeof ref === 'string' ? CALLER_ID : 0);
  }

  /** Its level; `setPriority()` may move it while it is queued. */
  get priority(): Priority {
    return ((this.#flags & PRIORITY_MASK) >> PRIORITY_SHIFT) as Priority;
  }

  set priority(priority: Priority) {
    this.#flags = (this.#flags & ~PRIORITY_MASK) | (priority << PRIORITY_SHIFT);
  }

  get state(): TaskState {
    return this.#flags & STATE_MASK;
  }

  set state(state: TaskState) {
    this.#flags = (this.#flags & ~STATE_MASK) | state;
  }

  /** True when the caller chose the id (the pool keeps those in a map to keep them unique). */
  get hasCallerId(): boolean {
    return (this.#flags & CALLER_ID) !== 0;
  }

  /** The acceptance number of a generated id, or undefined for a caller's id. */
  get serial(): number | undefined {
    return this.hasCallerId ? undefined : Number(this.ref);
  }

  /** Set by the channel when the task is taken out of order (lazily skipped). */
  get removed(): boolean {
    return (this.#flags & REMOVED) !== 0;
  }

  set removed(removed: boolean) {
    this.#flags = removed ? this.#flags | REMOVED : this.#flags & ~REMOVED;
  }

  /** When it last entered the queue: on acceptance, or when its retry was requeued. */
  get queuedAt(): number {
    const attempt = this.attempt;
    return attempt === undefined ? this.submittedRel : attempt.requeuedAt;
  }

  set queuedAt(at: number) {
    if (this.attempt !== undefined) this.attempt.requeuedAt = at;
  }

  get group(): StreamGroup<I, O> | undefined {
    return this.settings.group;
  }

  /** Its fairness key, if it was given one. */
  get key(): string | undefined {
    const placement = this.placement;
    return typeof placement === 'object' ? placement.key : placement;
  }

  /** Its weight, if it was given one (it holds 1 slot otherwise). */
  get weight(): number | undefined {
    const placement = this.placement;
    return typeof placement === 'object' ? placement.weight : undefined;
  }

  /** Generated ids become strings on first read: most tasks never have theirs read. */
  get id(): string {
    const ref = this.ref;
    return typeof ref === 'string' ? ref : (this.ref = String(ref));
  }

  get submittedAt(): number {
    return this.settings.epoch + this.submittedRel;
  }

  /** The public view: what a report or a log should persist. */
  toJSON(): Task<I> {
    const { key, weight } = this;
    return {
      id: this.id,
      input: this.input,
      priority: this.priority,
      submittedAt: this.submittedAt,
      ...(key === undefined ? {} : { key }),
      ...(weight === undefined ? {} : { weight }),
    };
  }

  [inspect.custom](): string {
    return `Task ${inspect(this.toJSON())}`;
  }
}

/**
 * A thenable that rejects whatever adopts it: `resolve(new Rejection(error))` rejects a promise
 * with `error`, one microtask later than `reject(error)` would, and without the unhandled
 * rejection bookkeeping a `Promise.reject(error)` would start.
 */
export class Rejection implements PromiseLike<never> {
  constructor(private readonly error: Error) {}

  then<R1 = never, R2 = never>(
    _onFulfilled?: ((value: never) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    // Only a promise's own resolution job calls this, and it ignores what `then` returns.
    onRejected?.(this.error);
    return this;
  }
}

/**
 * One handler invocation; it is also the handler's `ctx`, with the signal and the child
 * logger made only when the handler asks for them (most never do, and an AbortController
 * per attempt would be the largest per-task cost).
 */
export class Attempt<I, O> implements TaskContext<I>, DeadlineNode, RunningNode {
  prevRunning: RunningNode | undefined = undefined;
  nextRunning: RunningNode | undefined = undefined;
  prevDeadline: DeadlineNode | undefined = undefined;
  nextDeadline: DeadlineNode | undefined = undefined;
  /**
   * Set by the deadline list before it is read. It starts as `undefined`, not 0: the clock's
   * first readings are heap numbers, and a field that starts as a small integer then turns
   * into a double field, which costs every attempt a 16-byte box.
   */
  deadline = undefined as unknown as number;
  /** Totals over this and the earlier attempts of the task. */
  waitMs: number;
  runMs: number;
  /** The value or error that decided the outcome. */
  result: unknown = undefined;
  /** The {@link Outcome} and the flags below in one small integer: attempts are made per task. */
  #bits: number;
  /** What only some attempts need, made on first use: most attempts succeed without any of it. */
  #extras: AttemptExtras<I, O> | undefined = undefined;

  constructor(
    readonly task: PoolTask<I, O>,
    readonly attempt: number,
    readonly startedAt: number,
    previous: Attempt<I, O> | undefined,
  ) {
    this.waitMs = previous === undefined ? 0 : previous.waitMs;
    this.runMs = previous === undefined ? 0 : previous.runMs;
    this.#bits = previous === undefined ? 0 : previous.#bits & ABANDONED;
    const errors = previous?.errors;
    if (errors !== undefined) this.extra().errors = errors;
  }

  /** The errors of this and the earlier attempts, oldest first; undefined while there are none. */
  get errors(): Error[] | undefined {
    return this.#extras?.errors;
  }

  /** Records a failure of this attempt (or of the retry policy deciding after it). */
  addError(error: Error): void {
    const extras = this.extra();
    (extras.errors ??= []).push(error);
  }

  /** When the task re-entered the queue after this attempt (a retry). */
  get requeuedAt(): number {
    return this.#extras?.requeuedAt ?? 0;
  }

  set requeuedAt(at: number) {
    this.extra().requeuedAt = at;
  }

  get controller(): AbortController | undefined {
    return this.#extras?.controller;
  }

  /** The subscription to an Observable handler's output (unsubscribing stops it). */
  get subscription(): Subscription | undefined {
    return this.#extras?.subscription;
  }

  set subscription(subscription: Subscription | undefined) {
    if (subscription !== undefined || this.#extras !== undefined) {
      this.extra().subscription = subscription;
    }
  }

  /** The abort grace timer while running; the backoff timer after (they never overlap). */
  get timer(): Subscription | undefined {
    return this.#extras?.timer;
  }

  set timer(timer: Subscription | undefined) {
    if (timer !== undefined || this.#extras !== undefined) this.extra().timer = timer;
  }

  private extra(): AttemptExtras<I, O> {
    return (this.#extras ??= new AttemptExtras());
  }

  get outcome(): Outcome {
    return this.#bits & OUTCOME_MASK;
  }

  set outcome(outcome: Outcome) {
    this.#bits = (this.#bits & ~OUTCOME_MASK) | outcome;
  }

  /** The handler has settled (it may have been given up on before). */
  get settled(): boolean {
    return (this.#bits & SETTLED) !== 0;
  }

  set settled(on: boolean) {
    this.flag(SETTLED, on);
  }

  /** Its slot has been freed. */
  get released(): boolean {
    return (this.#bits & RELEASED) !== 0;
  }

  set released(on: boolean) {
    this.flag(RELEASED, on);
  }

  /** An attempt of the task ignored its abort past the grace (carried to later attempts). */
  get abandoned(): boolean {
    return (this.#bits & ABANDONED) !== 0;
  }

  set abandoned(on: boolean) {
    this.flag(ABANDONED, on);
  }

  get inDeadlineList(): boolean {
    return (this.#bits & IN_DEADLINES) !== 0;
  }

  set inDeadlineList(on: boolean) {
    this.flag(IN_DEADLINES, on);
  }

  get isRunning(): boolean {
    return (this.#bits & RUNNING) !== 0;
  }

  set isRunning(on: boolean) {
    this.flag(RUNNING, on);
  }

  /** The handler called `preventRetry()`: whatever ends this attempt ends the task. */
  get noRetry(): boolean {
    return (this.#bits & NO_RETRY) !== 0;
  }

  preventRetry(): void {
    this.#bits |= NO_RETRY;
  }

  /** Why it was aborted, if it was. */
  get abortReason(): Error | undefined {
    return (this.#bits & ABORTED) !== 0 ? (this.result as Error) : undefined;
  }

  get signal(): AbortSignal {
    const extras = this.extra();
    if (extras.controller === undefined) {
      extras.controller = new AbortController();
      if (this.abortReason !== undefined) extras.controller.abort(this.abortReason);
    }
    return extras.controller.signal;
  }

  /** Asked of the instrumentations the attempt ran under, only when the handler reads it. */
  get traceparent(): string | undefined {
    return this.#extras?.instruments?.traceparent(this.task, this.attempt);
  }

  /**
   * The batch whose call this attempt is part of (a batch handler's tasks): a `TaskBatch`,
   * typed loosely here so that the task does not depend on the batch that holds it.
   */
  get batch(): object | undefined {
    return this.#extras?.batch;
  }

  set batch(batch: object | undefined) {
    this.extra().batch = batch;
  }

  /** The instrumentations this attempt runs under (only an instrumented pool sets them). */
  set instruments(instruments: Instruments<I, O>) {
    this.extra().instruments = instruments;
  }

  get logger(): Logger {
    const extras = this.extra();
    extras.logger ??= this.task.settings.logger.child({
      taskId: this.task.id,
      priority: priorityName(this.task.priority),
      attempt: this.attempt,
    });
    return extras.logger;
  }

  /**
   * Aborts the attempt's signal (now, or when the handler first reads it) with `reason`, which
   * the caller has already made the attempt's `result`.
   */
  abort(reason: Error): void {
    if ((this.#bits & ABORTED) !== 0) return;
    this.#bits |= ABORTED;
    this.controller?.abort(reason);
    this.subscription?.unsubscribe();
    // A resource-owning handler (threads) is told directly: it need not make a signal.
    handlerLifecycle(this.task.settings.handler)?.abort?.(this, reason);
  }

  // TypeScript-private, not `#flag`: a #private method adds a brand slot to every attempt.
  private flag(bit: number, on: boolean): void {
    this.#bits = on ? this.#bits | bit : this.#bits & ~bit;
  }
}

/**
 * The rarely needed part of an {@link Attempt}: its signal, logger, timers, errors. Kept apart
 * so that an attempt that just succeeds is five fields (~40 bytes) smaller, and made per
 * attempt only when a handler reads `ctx.signal` or `ctx.logger`, or the attempt fails, is
 * aborted or is retried.
 */
class AttemptExtras<I, O> {
  batch: object | undefined = undefined;
  instruments: Instruments<I, O> | undefined = undefined;
  controller: AbortController | undefined = undefined;
  subscription: Subscription | undefined = undefined;
  timer: Subscription | undefined = undefined;
  logger: Logger | undefined = undefined;
  errors: Error[] | undefined = undefined;
  requeuedAt = 0;
}
