import type { KeyedScheduler } from '../channel/scheduler';
import type { BatchSettings } from '../task/batch-handler';
import type { Handler } from '../task/task';
import { BatchFormer } from './batch-former';
import type { RunnerParts } from './attempt-runner';
import { BatchRunner, type BatchHost } from './batch-runner';
import { TaskState, type Attempt, type PoolTask } from './pool-task';
import { TaskBatch } from './task-batch';

/** A batch handler and what its batches need, for the engine. */
export interface PoolBatchConfig<I, O> {
  /** The pool's handler: its tasks are batched (a `run()` task has its own and runs alone). */
  handler: Handler<I, O>;
  settings: BatchSettings<I, O>;
}

/**
 * The batches of a pool whose handler is a batch handler: the former the merge takes entries
 * from, the runner of their calls, and the queue management of the items in the forming batch
 * (they still wait: they count in `size` and can be cancelled until the call starts).
 */
export class PoolBatches<I, O> {
  readonly former: BatchFormer<I, O>;
  readonly runner: BatchRunner<I, O>;

  constructor(
    config: PoolBatchConfig<I, O>,
    channel: KeyedScheduler<PoolTask<I, O>>,
    host: BatchHost<I, O>,
    parts: RunnerParts,
  ) {
    const { handler, settings } = config;
    this.runner = new BatchRunner({ host, settings, ...parts });
    this.former = new BatchFormer<I, O>(
      channel,
      {
        maxSize: settings.maxSize,
        maxWaitMs: settings.maxWaitMs,
        batchable: (task) => task.settings.handler === handler,
      },
      parts.scheduler,
      (batch) => this.runner.call(batch),
    );
    parts.metrics.trackBatches();
  }

  /** Starts a batch the merge gave a slot: its call now, or when it has formed. */
  start(batch: TaskBatch<I, O>): void {
    if (!batch.forming) this.runner.call(batch);
  }

  /** Items waiting in the forming batch. */
  get waiting(): number {
    return this.former.current?.live ?? 0;
  }

  /** The forming batch's items still waiting, in its order. */
  waitingItems(): PoolTask<I, O>[] {
    const batch = this.former.current;
    return batch === undefined
      ? []
      : batch.items.filter((task) => task.state === TaskState.Forming);
  }

  /** Adds the forming batch's items to waiting sizes by priority. */
  addSizes(sizes: [number, number, number, number]): void {
    for (const task of this.waitingItems()) sizes[task.priority]++;
  }

  /** A task of the forming batch is cancelled: it leaves; an emptied batch closes at once. */
  leaveForming(task: PoolTask<I, O>): void {
    const batch = this.former.current;
    if (batch === undefined || !batch.items.includes(task)) return;
    batch.leave(task);
    if (batch.live === 0) this.former.close();
  }

  /** An item of a running call is cancelled. */
  cancelItem(attempt: Attempt<I, O>, reason: Error): void {
    this.runner.cancelItem(attempt, reason);
  }

  dispose(): void {
    this.runner.dispose();
  }
}

export { TaskBatch };
