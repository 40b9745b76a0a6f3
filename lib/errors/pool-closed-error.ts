import { WorkerPoolError } from './worker-pool-error';

/** A task was submitted after shutdown began. */
export class PoolClosedError extends WorkerPoolError {
  constructor(readonly taskId?: string) {
    super(
      taskId === undefined
        ? 'The pool is shutting down: no new tasks are accepted'
        : `The pool is shutting down: task ${taskId} refused`,
    );
    this.name = 'PoolClosedError';
  }
}
