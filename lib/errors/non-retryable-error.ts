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

  /**
   * Marks an error as final without changing its class, name or message: the pool does not
   * retry it (whatever `retryIf` says). Returns the same error.
   *
   * ## Example
   * ```ts
   * import { NonRetryableError } from 'rxjs-worker-pool';
   * throw NonRetryableError.mark(new TypeError('input.width must be a number'));
   * ```
   */
  static mark<E extends object>(error: E): E {
    Object.defineProperty(error, FINAL, { value: true, configurable: true });
    return error;
  }

  /** True for a `NonRetryableError` and for an error passed to {@link NonRetryableError.mark}. */
  static isMarked(error: unknown): boolean {
    if (error instanceof NonRetryableError) return true;
    return (
      error !== null &&
      typeof error === 'object' &&
      (error as { [FINAL]?: unknown })[FINAL] === true
    );
  }
}

/** `Symbol.for`: an error marked by another copy of the package is still final. */
const FINAL = Symbol.for('rxjs-worker-pool.non-retryable');
