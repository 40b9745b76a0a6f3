import { WorkerPoolError } from './worker-pool-error';

/**
 * A task was submitted after shutdown began.
 *
 * ## Example
 * ```ts
 * import { PoolClosedError } from 'rxjs-worker-pool';
 * void pool.shutdown();
 * await pool.submit(input, { id: 'late' }).catch((error) => {
 *   if (error instanceof PoolClosedError) console.log(error.taskId, '-', error.message);
 * });
 * // Output: late - The pool is shutting down: task late refused
 * ```
 */
export class PoolClosedError extends WorkerPoolError {
  constructor(
    readonly taskId?: string,
    /** What was refused, when it is not a task. */
    detail?: string,
  ) {
    super(
      detail !== undefined
        ? `The pool is shutting down: ${detail}`
        : taskId === undefined
          ? 'The pool is shutting down: no new tasks are accepted'
          : `The pool is shutting down: task ${taskId} refused`,
    );
    this.name = 'PoolClosedError';
  }
}
