import { WorkerPoolError } from './worker-pool-error';

/** An attempt ran longer than its timeout; also the reason its `ctx.signal` is aborted with. */
export class TaskTimeoutError extends WorkerPoolError {
  constructor(
    readonly timeoutMs: number,
    readonly taskId?: string,
    readonly attempt?: number,
  ) {
    super(
      `Task ${taskId ?? '(unnamed)'} timed out after ${timeoutMs} ms` +
        (attempt === undefined ? '' : ` (attempt ${attempt})`),
    );
    this.name = 'TaskTimeoutError';
  }
}
