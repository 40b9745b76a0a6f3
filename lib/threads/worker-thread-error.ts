import { WorkerPoolError } from '../index';

/**
 * How a worker thread died.
 *
 * ## Example
 * ```ts
 * import { WorkerThreadError, type WorkerThreadDeath } from 'rxjs-worker-pool/threads';
 * const reason: WorkerThreadDeath | undefined =
 *   result.error instanceof WorkerThreadError ? result.error.reason : undefined;
 * ```
 */
export type WorkerThreadDeath = 'error' | 'exit' | 'out-of-memory';

/**
 * A worker thread died under an attempt: an exception thrown outside the function's promise
 * (`reason: 'error'`), `process.exit()` (`'exit'`), or its heap limit reached under
 * `resourceLimits` (`'out-of-memory'`). The attempt fails with it and is retried per the
 * policy, except `out-of-memory`, which the default policy (no `retryIf`) does not retry. A
 * fresh thread replaces the dead one. An error the worker function throws or rejects with is
 * not wrapped in this: it arrives with its own name, message and stack.
 *
 * ## Example
 * ```ts
 * import { WorkerThreadError } from 'rxjs-worker-pool/threads';
 * const result = await firstValueFrom(pool.results$);
 * if (result.error instanceof WorkerThreadError) {
 *   console.log(result.error.reason, result.error.exitCode); // 'out-of-memory' 1
 * }
 * ```
 */
export class WorkerThreadError extends WorkerPoolError {
  override readonly retryByDefault: boolean;

  constructor(
    readonly reason: WorkerThreadDeath,
    /** The thread's exit code: the code given to `process.exit()`, 1 for an error or out of memory. */
    readonly exitCode: number,
    message: string,
    options?: { cause?: unknown; threadId?: number },
  ) {
    super(message, options);
    this.name = 'WorkerThreadError';
    this.retryByDefault = reason !== 'out-of-memory';
    /** The `threadId` of the thread that died, when known. */
    this.threadId = options?.threadId;
  }

  readonly threadId: number | undefined;
}
