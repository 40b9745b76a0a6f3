import { WorkerPoolError } from './worker-pool-error';

/**
 * A task was refused (or evicted by `'drop-lowest'`) because the queue was full.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, QueueFullError } from 'rxjs-worker-pool';
 * const pool = new WorkerPool({ handler: async (n: number) => n, queue: { capacity: 1 } });
 * pool.pause(); // nothing starts: the first task fills the queue
 * void pool.submit(1);
 * await pool.submit(2, { id: 'b' }).catch((error) => {
 *   if (error instanceof QueueFullError) console.log(error.capacity, error.taskId, error.evicted);
 * });
 * // Output: 1 b false
 * ```
 */
export class QueueFullError extends WorkerPoolError {
  constructor(
    /** The queue's capacity (waiting tasks). */
    readonly capacity: number,
    /** The refused or evicted task's id. */
    readonly taskId?: string,
    /** True when a higher-priority arrival evicted this task under `'drop-lowest'`. */
    readonly evicted = false,
  ) {
    super(
      evicted
        ? `Task ${taskId} was evicted from a full queue (capacity ${capacity}) by a higher-priority task`
        : `Queue is full (capacity ${capacity})${taskId === undefined ? '' : `: task ${taskId} refused`}`,
    );
    this.name = 'QueueFullError';
  }
}
