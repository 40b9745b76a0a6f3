import { WorkerPoolError } from './worker-pool-error';

/** Why a task was cancelled. */
export type CancelReason = 'caller' | 'unsubscribed' | 'shutdown';

/** A task was cancelled before it could finish: by its caller, an unsubscribe or shutdown. */
export class TaskCancelledError extends WorkerPoolError {
  constructor(
    readonly reason: CancelReason,
    readonly taskId?: string,
    options?: { cause?: unknown },
  ) {
    super(`Task ${taskId ?? '(unnamed)'} was cancelled (${reason})`, options);
    this.name = 'TaskCancelledError';
  }
}
