import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Priority, PriorityLike } from './priority';
import type { RetryOptions } from '../retry/retry-options';

/** A unit of work accepted by the pool. */
export interface Task<I> {
  /** Unique within the pool: the caller's `id` or a generated one. */
  readonly id: string;
  readonly input: I;
  /** The priority it was submitted with (aging does not change it). */
  readonly priority: Priority;
  /** When the pool accepted it, in the pool scheduler's milliseconds. */
  readonly submittedAt: number;
}

/** What a handler receives besides its input. */
export interface TaskContext<I> {
  /** Aborted when the attempt times out, the caller cancels or shutdown gives up on it. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly task: Task<I>;
  /** A child logger bound to `taskId`, `priority` and `attempt`. */
  readonly logger: Logger;
}

/** Runs one task: may return a value, a Promise, or an Observable (its last value counts). */
export type Handler<I, O> = (input: I, ctx: TaskContext<I>) => Promise<O> | Observable<O> | O;

/** Per-task options of `submit()` and `run()`. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- I keeps the contract's shape
export interface TaskOptions<I> {
  /** Defaults to a generated id. */
  id?: string;
  /** Defaults to NORMAL. */
  priority?: PriorityLike;
  /** Per attempt, in ms; overrides the pool's `timeoutMs`. */
  timeoutMs?: number;
  /** Overrides the pool's retry options, key by key. */
  retry?: Partial<RetryOptions>;
  /** Caller-side cancellation: aborting it cancels the task queued, or aborts it running. */
  signal?: AbortSignal;
}

/** Options of `process()` and `runInPool()`: a priority may be computed from each input. */
export interface ProcessOptions<I> extends Omit<TaskOptions<I>, 'id' | 'priority'> {
  priority?: PriorityLike | ((input: I) => PriorityLike);
}

/** How a task ended. */
export type TaskStatus = 'succeeded' | 'failed' | 'cancelled' | 'rejected';

/** The one terminal result of every accepted task. */
export interface TaskResult<I, O> {
  task: Task<I>;
  status: TaskStatus;
  value?: O;
  /** The last attempt's error (or the refusal / cancellation reason). */
  error?: Error;
  /** Every failed attempt's error, in order. */
  errors?: Error[];
  /** Handler invocations. */
  attempts: number;
  /** Time spent queued (retry backoff excluded), in ms. */
  waitMs: number;
  /** Run time of all attempts, in ms. */
  runMs: number;
  /**
   * True when an attempt ignored its aborted signal and was still running when the pool
   * gave up on it after `abortGraceMs`: its slot was freed but the handler may still run.
   */
  abandoned?: boolean;
}
