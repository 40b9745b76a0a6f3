import type { KeysMetrics } from '../metrics/pool-metrics';
import type { Priority } from '../task/priority';

/**
 * What a scheduler needs of each waiting entry; the pool's tasks carry these fields themselves.
 *
 * ## Example
 * ```ts
 * import { PriorityChannel, Priority, type ChannelEntry } from 'rxjs-worker-pool';
 * interface Job extends ChannelEntry {
 *   url: string;
 * }
 * const channel = new PriorityChannel<Job>({ capacity: 100 });
 * channel.offer({ url: '/a', priority: Priority.LOW, queuedAt: 0 });
 * channel.offer({ url: '/b', priority: Priority.CRITICAL, queuedAt: 0 });
 * channel.poll()?.url;
 * // Output: '/b'
 * ```
 */
export interface ChannelEntry {
  /** The level it waits in. */
  readonly priority: Priority;
  /** Set by the channel when the entry enters it. */
  queuedAt: number;
  /** Set by the channel when the entry is removed out of order (lazily skipped). */
  removed?: boolean;
  /** Its fairness and limit group (a tenant, a user, a host); none by default. */
  readonly key?: string;
  /** The slots it holds while it runs (an integer from 1); 1 by default. */
  readonly weight?: number;
}

/**
 * The outcome of {@link Scheduler.offer}.
 *
 * ## Example
 * ```ts
 * import { PriorityChannel, Priority } from 'rxjs-worker-pool';
 * import type { ChannelEntry, OfferResult } from 'rxjs-worker-pool';
 * type Job = ChannelEntry & { id: string };
 * const channel = new PriorityChannel<Job>({ capacity: 1, overflow: 'drop-lowest' });
 * channel.offer({ id: 'a', priority: Priority.LOW, queuedAt: 0 });
 * const urgent: Job = { id: 'b', priority: Priority.HIGH, queuedAt: 0 };
 * const result: OfferResult<Job> = channel.offer(urgent);
 * if (result.accepted) console.log(result.evicted?.id);
 * // Output: a
 * ```
 */
export type OfferResult<E> = { accepted: true; evicted?: E } | { accepted: false };

/**
 * The scheduling contract: everything the merge and the engine ask of the waiting entries,
 * and nothing about how they are ordered. The merge asks one question, {@link next}: which
 * entry may start now, given the free capacity? The engine adds the queue management a
 * p-queue user expects (remove, reprioritise, sizes by priority, backpressure).
 *
 * {@link PriorityChannel} is the plain implementation: four priority levels with aging, FIFO
 * within a level, every entry one slot. {@link KeyedChannel} adds fair turns between keys,
 * per-key limits and weights. The merge and the engine see only this interface.
 *
 * ## Example
 * ```ts
 * import { PriorityChannel, Priority, type ChannelEntry, type Scheduler } from 'rxjs-worker-pool';
 * type Job = ChannelEntry & { name: string };
 * const waiting: Scheduler<Job> = new PriorityChannel<Job>({ capacity: 10 });
 * waiting.offer({ name: 'report', priority: Priority.LOW, queuedAt: 0 });
 * waiting.offer({ name: 'alert', priority: Priority.CRITICAL, queuedAt: 0 });
 * const free = 1;
 * console.log(waiting.next(free)?.name, waiting.size);
 * // Output: alert 1
 * ```
 */
export interface Scheduler<E extends ChannelEntry> {
  /** Entries waiting now. */
  readonly size: number;
  /** The most entries it holds; `Infinity` for unbounded. */
  readonly capacity: number;
  /** Waiting entries by priority level, indexed by {@link Priority}. */
  sizes(): [low: number, normal: number, high: number, critical: number];
  /** True when an {@link offer} would be accepted without eviction. */
  hasRoom(): boolean;
  /** Adds an arrival, applying the overflow policy when full. */
  offer(entry: E): OfferResult<E>;
  /**
   * Puts back an entry that was accepted before (a retry after its backoff, or one the
   * dispatch gate turned back), ahead of newer entries of its priority, whatever the capacity.
   */
  requeue(entry: E): void;
  /**
   * The merge's question: the entry that may start now with `freeSlots` of the `limit` slots
   * free, taken out of the scheduler; `undefined` when none may (nothing waits, nothing fits,
   * or what waits is held back). An entry heavier than `limit` fits once all slots are free.
   */
  next(freeSlots: number, limit?: number): E | undefined;
  /** What {@link next} would return now, left in place (asked before a dispatch gate). */
  peek(freeSlots: number, limit?: number): E | undefined;
  /** An entry {@link next} gave out has ended its run: its slots are free again. */
  release(entry: E): void;
  /**
   * When entries wait but none may start until a time passes (a key's rate window): the ms
   * until one may; `undefined` otherwise.
   */
  wakeInMs(): number | undefined;
  /** Takes a waiting entry out of order; false if it was not waiting. */
  remove(entry: E): boolean;
  /** Takes out every waiting entry that matches, and returns them. */
  removeWhere(predicate: (entry: E) => boolean): E[];
  /** Reprioritises a waiting entry; its wait still counts from when it came. */
  move(entry: E, priority: Priority): void;
  /** The first waiting entry that matches, in serving order. */
  find(match: (entry: E) => boolean): E | undefined;
  /** Takes out and returns every waiting entry. */
  drain(): E[];
  /** Resolves when an {@link offer} would be accepted (backpressure for producers). */
  whenCapacity(): Promise<void>;
  /** Settles every {@link whenCapacity} waiter now (shutdown). */
  releaseWaiters(): void;
}

/**
 * A {@link Scheduler} with fairness keys: per-key limits that change at run time, and what a
 * pool reports about its keys. {@link KeyedChannel} implements it.
 *
 * ## Example
 * ```ts
 * import { KeyedChannel, Priority, type ChannelEntry, type KeyedScheduler } from 'rxjs-worker-pool';
 * type Job = ChannelEntry & { name: string };
 * const waiting: KeyedScheduler<Job> = new KeyedChannel<Job>({}, { concurrency: 2 });
 * waiting.offer({ name: 'a', key: 'tenant-1', priority: Priority.NORMAL, queuedAt: 0 });
 * waiting.setKeyLimit('tenant-1', 8);
 * console.log(waiting.keyLimit('tenant-1'), waiting.keyMetrics()?.count);
 * // Output: 8 1
 * ```
 */
export interface KeyedScheduler<E extends ChannelEntry> extends Scheduler<E> {
  /** Sets a key's limit; `undefined` returns it to its configured one. */
  setKeyLimit(key: string, limit: number | undefined): void;
  /** The limit in force for a key. */
  keyLimit(key: string): number;
  /** The keys with queued or running work, the busiest first; undefined until one had a key. */
  keyMetrics(): KeysMetrics | undefined;
  /** Counts the end of a keyed entry's task for its key's metrics line. */
  countOutcome(entry: E, succeeded: boolean): void;
}
