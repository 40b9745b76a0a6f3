import type { SchedulerLike, Subscription } from 'rxjs';
import type { KeyedScheduler, OfferResult } from '../channel/scheduler';
import type { MergeScheduler } from '../merge/priority-merge-internals';
import { TaskState, type PoolTask } from './pool-task';
import { TaskBatch } from './task-batch';

/** What the merge of a batch pool starts: a batch, or a task of another handler (`run()`). */
export type PoolEntry<I, O> = PoolTask<I, O> | TaskBatch<I, O>;

/** How batches are formed. */
export interface BatchForming<I, O> {
  /** The most weight units in one batch. */
  readonly maxSize: number;
  /** How long a batch with room left waits for more items, holding its slot. */
  readonly maxWaitMs: number;
  /** True for a task of the batch handler (a `run()` task runs alone). */
  batchable(task: PoolTask<I, O>): boolean;
}

/**
 * The merge's scheduler in a pool with a batch handler: where the merge asks for one entry, it
 * gives a batch, filled from the pool's scheduler in its order (priorities, keys' turns,
 * arrival) until `maxSize` weight units or the first task that does not fit. A batch with room
 * left and a `maxWaitMs` keeps forming: arrivals and retries top it up, and it closes when full,
 * at the first task that does not fit, or after `maxWaitMs`. At most one batch forms at a time.
 */
export class BatchFormer<I, O> implements MergeScheduler<PoolEntry<I, O>> {
  #forming: TaskBatch<I, O> | undefined = undefined;
  #timer: Subscription | undefined = undefined;

  constructor(
    private readonly inner: KeyedScheduler<PoolTask<I, O>>,
    private readonly forming: BatchForming<I, O>,
    private readonly scheduler: SchedulerLike,
    /** A forming batch closed: its call may start. */
    private readonly closed: (batch: TaskBatch<I, O>) => void,
  ) {}

  /** The batch forming now, if any. */
  get current(): TaskBatch<I, O> | undefined {
    return this.#forming;
  }

  get size(): number {
    return this.inner.size;
  }

  offer(task: PoolTask<I, O>): OfferResult<PoolTask<I, O>> {
    const offered = this.inner.offer(task);
    if (offered.accepted && this.#forming !== undefined) this.#topUp(this.#forming);
    return offered;
  }

  requeue(task: PoolTask<I, O>): void {
    this.inner.requeue(task);
    if (this.#forming !== undefined) this.#topUp(this.#forming);
  }

  peek(freeSlots: number, limit?: number): PoolEntry<I, O> | undefined {
    if (freeSlots <= 0) return undefined;
    // Which entry's turn it is, whatever its weight: a batch item's weight is not slots.
    const head = this.inner.peek(Infinity, Infinity);
    if (head === undefined || this.forming.batchable(head)) return head;
    return this.inner.peek(freeSlots, limit);
  }

  next(freeSlots: number, limit?: number): PoolEntry<I, O> | undefined {
    if (freeSlots <= 0) return undefined;
    const head = this.inner.peek(Infinity, Infinity);
    if (head === undefined) return undefined;
    if (!this.forming.batchable(head)) return this.inner.next(freeSlots, limit);
    const batch = new TaskBatch<I, O>(head.priority);
    this.#take(batch);
    if (!this.#fill(batch) && this.forming.maxWaitMs > 0) {
      batch.forming = true;
      this.#forming = batch;
      this.#timer = this.scheduler.schedule(() => this.close(), this.forming.maxWaitMs);
    }
    return batch;
  }

  release(entry: PoolEntry<I, O>): void {
    if (!(entry instanceof TaskBatch)) {
      this.inner.release(entry);
      return;
    }
    // Every item the scheduler gave out, cancelled ones too: each counted against its key.
    for (const item of entry.items) this.inner.release(item);
  }

  wakeInMs(): number | undefined {
    return this.inner.wakeInMs();
  }

  /** Closes the forming batch now (its wait is over, it emptied, or no more tasks come). */
  close(): void {
    const batch = this.#forming;
    if (batch === undefined) return;
    this.#forming = undefined;
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    batch.forming = false;
    this.closed(batch);
  }

  /** Takes what may start next into the forming batch; closes it when it is full. */
  #topUp(batch: TaskBatch<I, O>): void {
    if (this.#fill(batch)) this.close();
  }

  /**
   * Takes items while they fit. True when the batch is done: full, or the next task whose turn
   * it is does not fit (another handler's, or too heavy for the room left). False when it
   * could take more but nothing may start now (nothing waits, or keys hold it back).
   */
  #fill(batch: TaskBatch<I, O>): boolean {
    const { maxSize } = this.forming;
    for (;;) {
      if (batch.units >= maxSize) return true;
      const head = this.inner.peek(Infinity, Infinity);
      if (head === undefined) return false;
      if (!this.forming.batchable(head) || (head.weight ?? 1) > maxSize - batch.units) return true;
      this.#take(batch);
    }
  }

  /** Takes the entry the scheduler just showed into `batch`. */
  #take(batch: TaskBatch<I, O>): void {
    const task = this.inner.next(Infinity, Infinity) as PoolTask<I, O>;
    task.state = TaskState.Forming;
    batch.add(task);
  }
}
