import { WorkerPoolError } from './worker-pool-error';

/**
 * A task was submitted with the id of a task that is still live (queued, waiting out a backoff
 * or running): ids are unique among live tasks, so `cancel(id)` and results name one task.
 *
 * ## Example
 * ```ts
 * import { DuplicateTaskIdError } from 'rxjs-worker-pool';
 * void pool.submit(a, { id: 'invoice-7' });
 * await pool.submit(b, { id: 'invoice-7' }).catch((error) => {
 *   if (error instanceof DuplicateTaskIdError) console.log(error.message);
 * });
 * // Output: A task with id invoice-7 is already queued or running
 * ```
 */
export class DuplicateTaskIdError extends WorkerPoolError {
  constructor(readonly taskId: string) {
    super(`A task with id ${taskId} is already queued or running`);
    this.name = 'DuplicateTaskIdError';
  }
}
