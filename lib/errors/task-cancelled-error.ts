import { WorkerPoolError } from './worker-pool-error';

/**
 * Why a task was cancelled: `'caller'` (its `signal` was aborted), `'unsubscribed'` (its
 * `process()` stream was unsubscribed) or `'shutdown'` (the shutdown deadline passed).
 *
 * ## Example
 * ```ts
 * import { TaskCancelledError, type CancelReason } from 'rxjs-worker-pool';
 * const cancelled: Record<CancelReason, number> = { caller: 0, unsubscribed: 0, shutdown: 0, cleared: 0 };
 * pool.results$.subscribe(({ error }) => {
 *   if (error instanceof TaskCancelledError) cancelled[error.reason]++;
 * });
 * ```
 */
export type CancelReason = 'caller' | 'unsubscribed' | 'shutdown' | 'cleared';

/**
 * A task was cancelled before it could finish: by its caller (its signal or `pool.cancel(id)`),
 * an unsubscribe, shutdown, or `pool.clear()`.
 *
 * ## Example
 * ```ts
 * import { TaskCancelledError } from 'rxjs-worker-pool';
 * const controller = new AbortController();
 * const result = pool.submit(input, { id: 'report', signal: controller.signal });
 * controller.abort();
 * await result.catch((error) => {
 *   if (error instanceof TaskCancelledError) console.log(error.reason, error.taskId);
 * });
 * // Output: caller report
 * ```
 */
export class TaskCancelledError extends WorkerPoolError {
  constructor(
    readonly reason: CancelReason,
    readonly taskId?: string,
    options?: { cause?: unknown },
  ) {
    super(`Task ${taskId ?? '(unnamed)'} was cancelled (${reason})`, options);
    this.name = 'TaskCancelledError';
  }
}
