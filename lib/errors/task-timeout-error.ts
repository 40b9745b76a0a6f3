import { WorkerPoolError } from './worker-pool-error';

/**
 * An attempt ran longer than its timeout; also the reason its `ctx.signal` is aborted with.
 *
 * ## Example
 * ```ts
 * import { setTimeout as sleep } from 'node:timers/promises';
 * import { WorkerPool, TaskTimeoutError } from 'rxjs-worker-pool';
 * const handler = (ms: number, { signal }: { signal: AbortSignal }) => sleep(ms, ms, { signal });
 * const pool = new WorkerPool({ handler, timeoutMs: 100, retry: { maxAttempts: 1 } });
 * await pool.submit(5_000, { id: 'slow' }).catch((error) => {
 *   if (error instanceof TaskTimeoutError) {
 *     console.log(error.taskId, error.timeoutMs, error.attempt);
 *   }
 * });
 * // Output: slow 100 1
 * ```
 */
export class TaskTimeoutError extends WorkerPoolError {
  constructor(
    readonly timeoutMs: number,
    readonly taskId?: string,
    readonly attempt?: number,
  ) {
    super(
      `Task ${taskId ?? '(unnamed)'} timed out after ${timeoutMs} ms` +
        (attempt === undefined ? '' : ` (attempt ${attempt})`),
    );
    this.name = 'TaskTimeoutError';
  }
}
