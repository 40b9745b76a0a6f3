import { WorkerPoolError } from './worker-pool-error';

/**
 * Handlers and callbacks may throw anything; results and reports carry Errors.
 * @internal
 */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new WorkerPoolError(`Handler threw a non-Error value: ${String(thrown)}`, {
    cause: thrown,
  });
}
