import { WorkerPoolError } from './worker-pool-error';

/** A task was submitted after shutdown began. */
export class PoolClosedError extends WorkerPoolError {
  constructor(readonly taskId?: string) {
    super(`The pool is shutting down: task ${taskId ?? '(unnamed)'} refused`);
    this.name = 'PoolClosedError';
  }
}
