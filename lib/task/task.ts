import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Priority } from './priority';

/**
 * A unit of work accepted by the pool.
 *
 * ## Example
 * ```ts
 * import type { Task } from 'rxjs-worker-pool';
 * const report = await pool.shutdown({ timeoutMs: 10_000 });
 * const unfinished: Task<Email>[] = [...report.cancelled, ...report.aborted];
 * for (const task of unfinished) console.log(task.id, task.priority, task.submittedAt);
 * await outbox.saveForLater(unfinished.map((task) => task.input));
 * ```
 */
export interface Task<I> {
  /** Unique within the pool: the caller's `id` or a generated one. */
  readonly id: string;
  readonly input: I;
  /** The priority it was submitted with (aging does not change it). */
  readonly priority: Priority;
  /** When the pool accepted it, in the pool scheduler's milliseconds. */
  readonly submittedAt: number;
  /** Its fairness key, when it was given one. */
  readonly key?: string;
  /** The slots its attempts hold, when it was given a weight (1 otherwise). */
  readonly weight?: number;
}

/**
 * What a handler receives besides its input.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type TaskContext } from 'rxjs-worker-pool';
 * async function download(url: string, { signal, attempt, logger }: TaskContext<string>) {
 *   logger.info({ url, attempt }, 'downloading');
 *   return (await fetch(url, { signal })).text();
 * }
 * const pool = new WorkerPool({ handler: download, timeoutMs: 10_000 });
 * ```
 */
export interface TaskContext<I> {
  /** Aborted when the attempt times out, the caller cancels or shutdown gives up on it. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly task: Task<I>;
  /** A child logger bound to `taskId`, `priority` and `attempt`. */
  readonly logger: Logger;
  /**
   * Makes this attempt the task's last: however it ends (an error, a timeout), the task is not
   * retried. For work that must not run twice once started (a payment sent, an input moved to a
   * worker thread). Always present on the contexts the pool makes; optional so that hand-made
   * contexts (in tests) need not have it.
   */
  preventRetry?(): void;
  /**
   * The W3C `traceparent` of this attempt when the pool is traced (`withTracing` from
   * `rxjs-worker-pool/tracing`, or an instrumentation's `traceparent` hook): a handler that
   * hands the work to another thread or process sends it along, so the work there joins the
   * attempt's trace. Undefined when nothing traces the pool.
   */
  readonly traceparent?: string;
}

/**
 * Runs one task: may return a value, a Promise, or an Observable (its last value counts).
 *
 * ## Example
 * ```ts
 * import { of, delay } from 'rxjs';
 * import { WorkerPool, type Handler } from 'rxjs-worker-pool';
 * const double: Handler<number, number> = (n) => n * 2; // a value
 * const later: Handler<number, number> = async (n) => n * 2; // a Promise
 * const stream: Handler<number, number> = (n) => of(n, n * 2).pipe(delay(10)); // an Observable
 * const pool = new WorkerPool({ handler: stream });
 * console.log(await pool.submit(21));
 * // Output: 42
 * ```
 */
export type Handler<I, O> = (input: I, ctx: TaskContext<I>) => Promise<O> | Observable<O> | O;

/**
 * How a task ended.
 *
 * ## Example
 * ```ts
 * import type { TaskStatus } from 'rxjs-worker-pool';
 * const counts = new Map<TaskStatus, number>();
 * pool.results$.subscribe(({ status }) => counts.set(status, (counts.get(status) ?? 0) + 1));
 * await pool.onIdle();
 * console.log(counts);
 * // Output: Map(2) { 'succeeded' => 98, 'failed' => 2 }
 * ```
 */
export type TaskStatus = 'succeeded' | 'failed' | 'cancelled' | 'rejected';

/**
 * What every {@link TaskResult} has, whatever its status.
 *
 * ## Example
 * ```ts
 * import type { TaskResultBase } from 'rxjs-worker-pool';
 * const took = (r: TaskResultBase<string>) => `${r.task.id}: ${r.waitMs + r.runMs} ms`;
 * ```
 */
export interface TaskResultBase<I> {
  task: Task<I>;
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

/**
 * A task that succeeded: it has a `value` and no `error`.
 *
 * ## Example
 * ```ts
 * import type { SucceededResult } from 'rxjs-worker-pool';
 * const values = (results: SucceededResult<string, number>[]) => results.map((r) => r.value);
 * ```
 */
export interface SucceededResult<I, O> extends TaskResultBase<I> {
  status: 'succeeded';
  value: O;
  error?: undefined;
}

/**
 * A task that failed, was cancelled or was refused: it has an `error` and no `value`.
 *
 * ## Example
 * ```ts
 * import type { UnsuccessfulResult } from 'rxjs-worker-pool';
 * const why = (r: UnsuccessfulResult<string>) => `${r.status}: ${r.error.message}`;
 * ```
 */
export interface UnsuccessfulResult<I> extends TaskResultBase<I> {
  status: 'failed' | 'cancelled' | 'rejected';
  value?: undefined;
  /** The last attempt's error (or the refusal / cancellation reason). */
  error: Error;
}

/**
 * The one terminal result of every accepted task, discriminated by `status`: `value` exists
 * only on a succeeded result, `error` on every other.
 *
 * ## Example
 * ```ts
 * import type { TaskResult } from 'rxjs-worker-pool';
 * pool.results$.subscribe((result: TaskResult<string, number>) => {
 *   const { task, attempts, waitMs, runMs } = result;
 *   if (result.status === 'succeeded') console.log(task.id, result.value, `${waitMs + runMs} ms`);
 *   else console.log(task.id, result.status, `after ${attempts} attempts:`, result.error.message);
 * });
 * // Output:
 * // 1 200 35 ms
 * // 2 failed after 3 attempts: fetch failed
 * ```
 */
export type TaskResult<I, O> = SucceededResult<I, O> | UnsuccessfulResult<I>;
