import { WorkerPoolError } from './worker-pool-error';

/**
 * A call was refused at once because the circuit breaker is open.
 *
 * ## Example
 * ```ts
 * import { withCircuitBreaker, CircuitOpenError } from 'rxjs-worker-pool';
 * const call = withCircuitBreaker(async () => Promise.reject(new Error('down')), {
 *   failureThreshold: 1,
 *   resetTimeoutMs: 5_000,
 * });
 * await call().catch(() => {}); // the failure opens the breaker
 * await call().catch((error) => {
 *   if (error instanceof CircuitOpenError) console.log(Math.ceil(error.retryInMs / 1000), 's');
 * });
 * // Output: 5 s
 * ```
 */
export class CircuitOpenError extends WorkerPoolError {
  constructor(
    /** When the breaker lets a probe through again, in the scheduler's ms. */
    readonly retryAt: number,
    /** Milliseconds from now until then. */
    readonly retryInMs: number,
  ) {
    super(
      `Circuit is open: calls are refused for another ${Math.max(0, Math.round(retryInMs))} ms`,
    );
    this.name = 'CircuitOpenError';
  }
}
