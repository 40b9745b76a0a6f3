import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { checkDuration, checkNumber, type NumberRule } from '../options/check-option';
import { PRIORITY_LEVELS, Priority } from '../task/priority';
import { describeValue } from '../options/describe-value';
import { CapacityWaiters } from './capacity-waiters';
import { RingDeque } from './ring-deque';
import type { ChannelEntry, OfferResult, Scheduler } from './scheduler';

export type { ChannelEntry, OfferResult } from './scheduler';

/**
 * What to do with an arrival when the queue is full.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, QueueFullError, type OverflowPolicy } from 'rxjs-worker-pool';
 * const overflow: OverflowPolicy = 'drop-lowest';
 * const pool = new WorkerPool({ handler, queue: { capacity: 100, overflow } });
 * pool.submit(job, { priority: 'low' }).catch((error) => {
 *   if (error instanceof QueueFullError && error.evicted) console.log(`${error.taskId} evicted`);
 * });
 * ```
 */
export type OverflowPolicy = 'reject' | 'drop-lowest';

/**
 * Options of the waiting-task queue.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type QueueOptions } from 'rxjs-worker-pool';
 * // At most 1000 waiting tasks; a waiting task moves up one level every 10 s.
 * const queue: QueueOptions = { capacity: 1_000, overflow: 'reject', agingMs: 10_000 };
 * const pool = new WorkerPool({ handler, queue });
 * ```
 */
export interface QueueOptions {
  /** Waiting tasks it holds (running ones do not count). Defaults to unbounded. */
  capacity?: number;
  /**
   * `'reject'` refuses the arrival; `'drop-lowest'` evicts the newest waiting task of the lowest
   * non-empty level below the arrival's (refusing the arrival if there is none).
   * Defaults to `'reject'`.
   */
  overflow?: OverflowPolicy;
  /** A waiting task is served one level higher for each `agingMs` it has waited. Defaults to no aging. */
  agingMs?: number;
}

/** Removed entries a level may hold before it is compacted (when they outnumber live ones). */
const COMPACT_AT = 32;
const isLive = (entry: ChannelEntry): boolean => !entry.removed;

const ACCEPTED: OfferResult<never> = { accepted: true };
const REFUSED: OfferResult<never> = { accepted: false };

// Infinity passes both: an unbounded queue, and aging that never lifts a task.
const CAPACITY: NumberRule = { min: 1, integer: true, infinite: true, expected: 'from 1' };

/** Checks queue options, naming `path` and the value in the message. */
export function checkQueueOptions(options: QueueOptions, path = 'queue'): void {
  const { capacity, overflow, agingMs } = options;
  if (capacity !== undefined) checkNumber(capacity, `${path}.capacity`, CAPACITY);
  if (overflow !== undefined && overflow !== 'reject' && overflow !== 'drop-lowest') {
    throw new TypeError(
      `Expected \`${path}.overflow\` to be 'reject' or 'drop-lowest', got ${describeValue(overflow)}`,
    );
  }
  if (agingMs !== undefined) {
    checkDuration(agingMs, `${path}.agingMs`, { exclusiveMin: true, infinite: true });
  }
}

/**
 * A bounded four-level priority queue: FIFO within a level, O(1) enqueue and dequeue
 * (one ring-buffer deque per level), optional aging so low levels never starve.
 *
 * ## Example
 * ```ts
 * import { PriorityChannel, Priority } from 'rxjs-worker-pool';
 * const channel = new PriorityChannel<{ priority: Priority; queuedAt: number; name: string }>();
 * channel.offer({ priority: Priority.LOW, queuedAt: 0, name: 'a' });
 * channel.offer({ priority: Priority.HIGH, queuedAt: 0, name: 'b' });
 * channel.poll()?.name;
 * // Output: 'b'
 * ```
 */
export class PriorityChannel<E extends ChannelEntry> implements Scheduler<E> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly agingMs: number | undefined;
  readonly #levels: RingDeque<E>[] = [];
  /** Live (not removed) entries per level. */
  readonly #live = [0, 0, 0, 0];
  #size = 0;
  readonly #waiters = new CapacityWaiters();
  readonly #clock: () => number;
  readonly #stamp: boolean;

  /**
   * @param options capacity, overflow policy, aging.
   * @param scheduler the clock of aging and of `queuedAt` stamps.
   * @param internals for the pool: a `clock` in its own units, and `stamp: false` when entries
   *   carry their own `queuedAt` (saves a clock read per task).
   */
  constructor(
    options: QueueOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
    internals: { clock?: () => number; stamp?: boolean } = {},
  ) {
    checkQueueOptions(options);
    this.capacity = options.capacity ?? Infinity;
    this.overflow = options.overflow ?? 'reject';
    this.agingMs = options.agingMs;
    this.#clock = internals.clock ?? (() => scheduler.now());
    this.#stamp = internals.stamp ?? true;
    for (let level = 0; level < PRIORITY_LEVELS; level++) this.#levels.push(new RingDeque<E>());
  }

  /** Live entries waiting. */
  get size(): number {
    return this.#size;
  }

  /** Live entries waiting at each level, indexed by {@link Priority}. */
  sizes(): [low: number, normal: number, high: number, critical: number] {
    const [low, normal, high, critical] = this.#live;
    return [low, normal, high, critical];
  }

  /** True when an `offer` would be accepted without eviction. */
  hasRoom(): boolean {
    return this.#size < this.capacity;
  }

  /**
   * Adds an entry at the back of its level, applying the overflow policy when full.
   * A refused entry is not added; an evicted one has been removed.
   */
  offer(entry: E): OfferResult<E> {
    if (this.#size < this.capacity) {
      this.#add(entry, false);
      return ACCEPTED;
    }
    if (this.overflow === 'drop-lowest') {
      for (let level = 0; level < entry.priority; level++) {
        if (this.#live[level] === 0) continue;
        const evicted = this.#popLive(level);
        this.#add(entry, false);
        return { accepted: true, evicted };
      }
    }
    return REFUSED;
  }

  /**
   * Puts an entry back at the front of its level, ahead of newer entries of that priority,
   * ignoring capacity: it was accepted before (a retry after its backoff).
   */
  requeue(entry: E): void {
    this.#add(entry, true);
  }

  /** {@link Scheduler.next}: every entry takes one slot, so any free slot starts the next one. */
  next(freeSlots: number): E | undefined {
    return freeSlots >= 1 ? this.poll() : undefined;
  }

  /** {@link Scheduler.peek}: the entry {@link poll} would return, left in place. */
  peek(freeSlots: number): E | undefined {
    if (freeSlots < 1 || this.#size === 0) return undefined;
    const level = this.agingMs === undefined ? this.#topLevel() : this.#agedLevel(this.agingMs);
    const deque = this.#levels[level];
    while ((deque.peek() as E).removed) deque.shift();
    return deque.peek();
  }

  /** {@link Scheduler.release}: nothing to do, it keeps no count of running entries. */
  release(): void {}

  /** {@link Scheduler.wakeInMs}: nothing here waits for a time. */
  wakeInMs(): undefined {
    return undefined;
  }

  /** Removes and returns the entry to serve next: the highest effective priority, older first. */
  poll(): E | undefined {
    if (this.#size === 0) return undefined;
    const level = this.agingMs === undefined ? this.#topLevel() : this.#agedLevel(this.agingMs);
    const deque = this.#levels[level];
    let entry = deque.shift() as E;
    while (entry.removed) entry = deque.shift() as E;
    this.#live[level]--;
    this.#size--;
    if (this.#waiters.waiting) this.#notifyCapacity();
    return entry;
  }

  /**
   * Marks an entry removed (O(1)); it is skipped when its turn comes. Once a level holds more
   * removed entries than live ones it is compacted (amortised O(1)), so memory follows what is
   * queued even when callers cancel most of their queued tasks.
   */
  remove(entry: E): boolean {
    if (entry.removed) return false;
    entry.removed = true;
    const level = entry.priority;
    const live = --this.#live[level];
    this.#size--;
    const deque = this.#levels[level];
    const dead = deque.size - live;
    if (dead > COMPACT_AT && dead > live) deque.filter(isLive);
    if (this.#waiters.waiting) this.#notifyCapacity();
    return true;
  }

  /** Removes every entry matching `predicate` and returns them, highest level first (O(n)). */
  removeWhere(predicate: (entry: E) => boolean): E[] {
    const removed: E[] = [];
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      this.#levels[level].filter((entry) => {
        if (entry.removed) return false;
        if (!predicate(entry)) return true;
        removed.push(entry);
        return false;
      });
    }
    for (const entry of removed) {
      entry.removed = true;
      this.#live[entry.priority]--;
      this.#size--;
    }
    if (removed.length > 0 && this.#waiters.waiting) this.#notifyCapacity();
    return removed;
  }

  /**
   * Moves a live entry to the back of `priority`'s level (ignoring capacity: it is already
   * counted). Its `queuedAt` is kept, so its wait and aging still count from when it came.
   */
  move(entry: E & { priority: Priority }, priority: Priority): void {
    if (entry.removed) return;
    // Taken out of its deque for real (O(n), as in p-queue): a lazily removed entry that
    // lives on elsewhere would be served twice.
    const from = entry.priority;
    this.#levels[from].filter((other) => other !== entry);
    this.#live[from]--;
    this.#size--;
    entry.priority = priority;
    this.#add(entry, false, true);
  }

  /** The first live entry, highest level first, for which `match` is true (O(n)). */
  find(match: (entry: E) => boolean): E | undefined {
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      const found = this.#levels[level].find((entry) => !entry.removed && match(entry));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Removes and returns every live entry, highest level first. */
  drain(): E[] {
    const all: E[] = [];
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      for (const entry of this.#levels[level].drain()) {
        if (entry.removed) continue;
        entry.removed = true;
        all.push(entry);
      }
      this.#live[level] = 0;
    }
    this.#size = 0;
    if (this.#waiters.waiting) this.#notifyCapacity();
    return all;
  }

  /**
   * Resolves when the channel has room for one more entry (at once if it has):
   * backpressure for producers that would rather wait than be refused.
   */
  whenCapacity(): Promise<void> {
    return this.#waiters.whenRoom(this.#size < this.capacity);
  }

  /** Resolves every `whenCapacity()` waiter now (the pool is shutting down: none is left pending). */
  releaseWaiters(): void {
    this.#waiters.releaseAll();
  }

  #add(entry: E, front: boolean, keepQueuedAt = false): void {
    if (this.#stamp && !keepQueuedAt) entry.queuedAt = this.#clock();
    entry.removed = false;
    const deque = this.#levels[entry.priority];
    if (front) deque.unshift(entry);
    else deque.push(entry);
    this.#live[entry.priority]++;
    this.#size++;
  }

  /** Removes the newest live entry of a level (skipping lazily removed ones). */
  #popLive(level: number): E {
    const deque = this.#levels[level];
    let entry = deque.pop() as E;
    while (entry.removed) entry = deque.pop() as E;
    entry.removed = true;
    this.#live[level]--;
    this.#size--;
    return entry;
  }

  /** The highest level with live entries (size > 0). */
  #topLevel(): number {
    for (let level = PRIORITY_LEVELS - 1; level > 0; level--) {
      if (this.#live[level] > 0) return level;
    }
    return 0;
  }

  /** The level whose head has the highest aged priority; ties go to the older head. */
  #agedLevel(agingMs: number): number {
    const now = this.#clock();
    let bestLevel = -1;
    let bestPriority = -1;
    let bestQueuedAt = Infinity;
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      if (this.#live[level] === 0) continue;
      const deque = this.#levels[level];
      // Drop lazily removed heads so the head is the oldest live entry of the level.
      while ((deque.peek() as E).removed) deque.shift();
      const head = deque.peek() as E;
      const aged = Math.min(Priority.CRITICAL, level + Math.floor((now - head.queuedAt) / agingMs));
      if (aged > bestPriority || (aged === bestPriority && head.queuedAt < bestQueuedAt)) {
        bestLevel = level;
        bestPriority = aged;
        bestQueuedAt = head.queuedAt;
      }
    }
    return bestLevel;
  }

  #notifyCapacity(): void {
    this.#waiters.notify(this.capacity - this.#size);
  }
}
