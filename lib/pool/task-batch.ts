import type { Subscription } from 'rxjs';
import type { ChannelEntry } from '../channel/scheduler';
import type { Priority } from '../task/priority';
import type { DeadlineNode } from './deadline-list';
import type { BatchItem, Instruments } from './instrumentation';
import type { Attempt, PoolTask } from './pool-task';

/**
 * One batch of a batch handler: the tasks taken from the scheduler together, and then the one
 * call that runs them. To the merge it is one entry holding one slot (no key, no weight); its
 * items' keys and weights were counted when the scheduler gave them out.
 */
export class TaskBatch<I, O> implements ChannelEntry, DeadlineNode {
  /** The tasks taken, in the scheduler's order (a task cancelled while forming stays, ended). */
  readonly items: PoolTask<I, O>[] = [];
  /** Weight units taken, cancelled items excepted: at most the handler's `maxSize`. */
  units = 0;
  /** Items not cancelled while it formed. */
  live = 0;
  /** True while it holds its slot waiting for more items (`maxWaitMs`). */
  forming = false;
  /** One attempt per item the call received, in input order; set when the call starts. */
  attempts: Attempt<I, O>[] = [];
  /** Attempts of the call whose outcome is not decided yet (cancelled items are decided). */
  pending = 0;
  /** The call's signal, made when the batch function reads it. */
  controller: AbortController | undefined = undefined;
  /** The subscription to a call that returned an Observable (unsubscribing stops it). */
  subscription: Subscription | undefined = undefined;
  /** The forming wait, then the abort grace. */
  timer: Subscription | undefined = undefined;
  /** The call's timeout: the smallest of its items'. */
  timeoutMs: number | undefined = undefined;
  startedAt = 0;
  /** Why the call failed as a whole (a `BatchError`), once it did. */
  callError: Error | undefined = undefined;
  /** The instrumentations the call ran under, and its items as they were told. */
  traced: { instruments: Instruments<I, O>; items: BatchItem<I>[] } | undefined = undefined;
  /** Why the call was aborted, once it was. */
  abortReason: Error | undefined = undefined;
  settled = false;
  released = false;

  // The merge's view: one slot, no key.
  queuedAt = 0;
  readonly key = undefined;
  readonly weight = undefined;

  // Its place in the timeout list of the calls running under the same `timeoutMs`.
  deadline = 0;
  prevDeadline: DeadlineNode | undefined = undefined;
  nextDeadline: DeadlineNode | undefined = undefined;
  inDeadlineList = false;

  constructor(readonly priority: Priority) {}

  /** Adds a task taken from the scheduler, `weight` units of the batch. */
  add(task: PoolTask<I, O>): void {
    this.items.push(task);
    this.units += task.weight ?? 1;
    this.live++;
  }

  /** A task cancelled while the batch formed: it leaves the call (its key slot stays taken). */
  leave(task: PoolTask<I, O>): void {
    this.units -= task.weight ?? 1;
    this.live--;
  }
}
