import { WorkerPoolError } from './worker-pool-error';

/** A call was refused at once because the circuit breaker is open. */
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
