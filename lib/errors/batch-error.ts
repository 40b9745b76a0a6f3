import { WorkerPoolError } from './worker-pool-error';

/**
 * A batch call failed as a whole: the batch function threw or rejected (`cause`), or returned
 * something other than an array with one entry per input. Every item of that call fails its
 * attempt with it and is retried by its own policy (it may join a different batch). An item
 * that fails alone is a `BatchItemFailure` in the returned array instead.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, batchHandler, BatchError } from 'rxjs-worker-pool';
 * const pool = new WorkerPool<number, number>({
 *   handler: batchHandler(async (ns: number[]) => ns.slice(1), { maxSize: 10 }),
 *   retry: { maxAttempts: 1 },
 * });
 * await pool.submit(1).catch((error) => {
 *   if (error instanceof BatchError) console.log(error.size, error.message);
 * });
 * // Output: 1 The batch function returned 0 results for 1 inputs
 * ```
 */
export class BatchError extends WorkerPoolError {
  constructor(
    message: string,
    /** Items in the failed call. */
    readonly size: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BatchError';
  }
}
