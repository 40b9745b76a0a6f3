/**
 * Base class of every error the pool throws or reports: tells the pool's own refusals, timeouts
 * and cancellations apart from the errors a handler throws.
 *
 * ## Example
 * ```ts
 * import { WorkerPoolError } from 'rxjs-worker-pool';
 * try {
 *   await pool.submit(job);
 * } catch (error) {
 *   if (error instanceof WorkerPoolError) console.log(`${error.name}: ${error.message}`);
 *   else throw error; // the handler's own error
 * }
 * // Output (once shutdown has begun):
 * // PoolClosedError: The pool is shutting down: no new tasks are accepted
 * ```
 */
export class WorkerPoolError extends Error {
  /**
   * `false`: the default retry policy (no `retryIf`) does not retry it; a `retryIf` still
   * decides. Set by errors that retrying rarely cures (a worker thread out of memory).
   */
  declare readonly retryByDefault?: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerPoolError';
  }
}
