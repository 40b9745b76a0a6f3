/** Base class of every error the pool throws or reports. */
export class WorkerPoolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerPoolError';
  }
}
