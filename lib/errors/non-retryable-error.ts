import { WorkerPoolError } from './worker-pool-error';

/**
 * Throw it (or wrap an error in it) from a handler to fail the task at once, without retries.
 *
 * ## Example
 * ```ts
 * import { NonRetryableError } from 'rxjs-worker-pool';
 * if (response.status === 400) throw new NonRetryableError('bad request', { cause: body });
 * ```
 */
export class NonRetryableError extends WorkerPoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}
