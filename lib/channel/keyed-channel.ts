import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { KeysMetrics } from '../metrics/pool-metrics';
import { TokenBucket, type RateLimitOptions } from '../resilience/token-bucket';
import { PRIORITY_LEVELS, Priority } from '../task/priority';
import { CapacityWaiters } from './capacity-waiters';
import { DueList } from './due-list';
import { Group, busiestKeys } from './key-group';
import { DEFAULT_MAX_TRACKED, checkKeysOptions, type KeysOptions } from './keys-options';
import { checkQueueOptions, type OverflowPolicy, type QueueOptions } from './priority-channel';
import { RingDeque } from './ring-deque';
import type { ChannelEntry, KeyedScheduler, OfferResult } from './scheduler';
import { TurnRings } from './turn-rings';

const ACCEPTED: OfferResult<never> = { accepted: true };
const REFUSED: OfferResult<never> = { accepted: false };
/** Removed entries a deque may hold before it is compacted (when they outnumber live ones). */
const COMPACT_AT = 32;
const isLive = (entry: ChannelEntry): boolean => !entry.removed;
const weightOf = (entry: ChannelEntry): number => entry.weight ?? 1;

/**
 * A scheduler with fair turns between keys and weighted entries, behind the same
 * {@link Scheduler} contract as {@link PriorityChannel}. What starts next: the highest
 * effective priority (aging included); within a level, keys take turns round-robin (tasks
 * without a key form one group of their own); within a key, arrival order. A key at its limit
 * (slots or rate) is skipped, never blocking other keys. An entry of weight w holds w slots of
 * the pool's limit and of its key's; if the next entry does not fit the free slots, nothing
 * ranked below it starts until it does, so heavy entries are never starved by light ones.
 * A dispatch is O(1) (O(log k) when a key's rate window closes); aging compares, per level,
 * the entry that level would start next.
 *
 * ## Example
 * ```ts
 * import { KeyedChannel, Priority, type ChannelEntry } from 'rxjs-worker-pool';
 * type Job = ChannelEntry & { name: string };
 * const channel = new KeyedChannel<Job>({}, { concurrency: 1 });
 * for (const name of ['a1', 'a2', 'a3']) channel.offer({ name, key: 'a', priority: Priority.NORMAL, queuedAt: 0 });
 * channel.offer({ name: 'b1', key: 'b', priority: Priority.NORMAL, queuedAt: 0 });
 * const first = channel.next(10, 10); // a1: key a now runs its 1 slot
 * const second = channel.next(9, 10); // b1: a is at its limit, b takes its turn
 * console.log(first?.name, second?.name, channel.next(8, 10)); // a1 b1 undefined
 * if (first) channel.release(first); // a's slot is free again
 * console.log(channel.next(9, 10)?.name); // a2
 * ```
 */
export class KeyedChannel<E extends ChannelEntry> implements KeyedScheduler<E> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly agingMs: number | undefined;
  readonly maxTracked: number;
  readonly #keyless: Group<E>;
  readonly #keys = new Map<string, Group<E>>();
  /** The groups that may start something, per level, in turn order. */
  readonly #rings = new TurnRings<E>();
  /** Live entries per level, over every group. */
  readonly #live = [0, 0, 0, 0];
  #size = 0;
  readonly #waiters = new CapacityWaiters();
  readonly #clock: () => number;
  readonly #stamp: boolean;
  /** A key's limit counts its entries, not their weights (a batch handler's weights are batch shares). */
  readonly #keyItems: boolean;
  readonly #defaultLimit: number;
  readonly #limits: Map<string, number>;
  readonly #overrides = new Map<string, number>();
  readonly #rateLimit: RateLimitOptions | undefined;
  readonly #scheduler: SchedulerLike;
  /** Groups waiting for a time: their rate window to reopen, or to be forgotten once idle. */
  readonly #timers = new DueList<Group<E>>();
  /** Set once an entry with a key came: from then on, `keyMetrics()` reports. */
  #keyed = false;
  /** Where the entry #select returned waits: what next() takes it from. */
  #selectedGroup: Group<E> | undefined = undefined;
  #selectedLevel = 0;

  /**
   * @param queue capacity, overflow policy, aging (as {@link PriorityChannel}).
   * @param keys per-key limits.
   * @param scheduler the clock of aging, rate windows and `queuedAt` stamps.
   * @param internals for the pool: a `clock` in its own units, `stamp: false` when entries
   *   carry their own `queuedAt`, and `keyItems: true` when a key's limit counts its entries
   *   rather than their weights (a batch handler's weights measure batch shares, not slots).
   */
  constructor(
    queue: QueueOptions = {},
    keys: KeysOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
    internals: { clock?: () => number; stamp?: boolean; keyItems?: boolean } = {},
  ) {
    checkQueueOptions(queue);
    checkKeysOptions(keys);
    this.capacity = queue.capacity ?? Infinity;
    this.overflow = queue.overflow ?? 'reject';
    this.agingMs = queue.agingMs;
    this.maxTracked = keys.maxTracked ?? DEFAULT_MAX_TRACKED;
    this.#defaultLimit = keys.concurrency ?? Infinity;
    this.#limits = new Map(Object.entries(keys.limits ?? {}));
    this.#rateLimit = keys.rateLimit;
    this.#scheduler = scheduler;
    this.#clock = internals.clock ?? (() => scheduler.now());
    this.#stamp = internals.stamp ?? true;
    this.#keyItems = internals.keyItems === true;
    this.#keyless = new Group<E>(undefined, Infinity, undefined);
  }

  get size(): number {
    return this.#size;
  }

  sizes(): [low: number, normal: number, high: number, critical: number] {
    const [low, normal, high, critical] = this.#live;
    return [low, normal, high, critical];
  }

  hasRoom(): boolean {
    return this.#size < this.capacity;
  }

  offer(entry: E): OfferResult<E> {
    if (this.#size < this.capacity) {
      this.#add(entry, false, false);
      return ACCEPTED;
    }
    if (this.overflow === 'drop-lowest') {
      for (let level = 0; level < entry.priority; level++) {
        if (this.#live[level] === 0) continue;
        const evicted = this.#evictNewest(level);
        this.#add(entry, false, false);
        return { accepted: true, evicted };
      }
    }
    return REFUSED;
  }

  requeue(entry: E): void {
    this.#add(entry, true, false);
  }

  peek(freeSlots: number, limit = freeSlots): E | undefined {
    return this.#select(freeSlots, limit);
  }

  next(freeSlots: number, limit = freeSlots): E | undefined {
    const entry = this.#select(freeSlots, limit);
    if (entry === undefined) return undefined;
    // Set by #select: no object per dispatch.
    const group = this.#selectedGroup as Group<E>;
    const level = this.#selectedLevel;
    (group.levels[level] as RingDeque<E>).shift();
    this.#taken(group, level);
    if (group.key !== undefined) {
      group.slots.add(this.#keyItems ? 1 : weightOf(entry));
      group.bucket?.tryTake();
    }
    // Its turn is used. The ring moves on at the next question, not now: a key that arrives
    // meanwhile takes its turn before this one's next.
    if (this.#keyed) {
      this.#rings.served(group, level, group.live[level] > 0);
    }
    return entry;
  }

  release(entry: E): void {
    // The keyless group counts nothing while its entries run.
    if (entry.key === undefined) return;
    if (this.#timers.pending) this.#runTimers();
    const group = this.#groupOf(entry);
    if (group === undefined) return;
    group.slots.remove(this.#keyItems ? 1 : weightOf(entry));
    this.#linkWhereWaiting(group);
    this.#forgetIfIdle(group);
  }

  wakeInMs(): number | undefined {
    const at = this.#timers.firstAt();
    if (at === undefined || this.#size === 0) return undefined;
    return Math.max(0, at - this.#clock());
  }

  /** Counts a task's end for its key's `metrics().keys` line. */
  countOutcome(entry: E, succeeded: boolean): void {
    const group = this.#groupOf(entry);
    if (group === undefined || group.key === undefined) return;
    if (succeeded) group.succeeded++;
    else group.failed++;
  }

  /** Sets a key's limit at run time; `undefined` returns it to `keys.limits`, else `keys.concurrency`. */
  setKeyLimit(key: string, limit: number | undefined): void {
    if (limit === undefined) this.#overrides.delete(key);
    else this.#overrides.set(key, limit);
    const group = this.#keys.get(key);
    if (group === undefined) return;
    group.limit = this.#limitOf(key);
    this.#linkWhereWaiting(group);
  }

  /**
   * Keys it holds state for: those with queued or running work, and idle ones whose rate
   * window still counts recent starts. Every other key costs nothing.
   */
  get heldKeys(): number {
    return this.#keys.size;
  }

  /** The limit in force for `key`. */
  keyLimit(key: string): number {
    return this.#limitOf(key);
  }

  /** Keys with queued or running work, and the `maxTracked` busiest. */
  keyMetrics(): KeysMetrics | undefined {
    return this.#keyed ? busiestKeys(this.#keys.values(), this.maxTracked) : undefined;
  }

  remove(entry: E): boolean {
    if (entry.removed) return false;
    const group = this.#groupOf(entry);
    if (group === undefined) return false;
    entry.removed = true;
    const level = entry.priority;
    this.#taken(group, level);
    const deque = group.levels[level] as RingDeque<E>;
    const dead = deque.size - group.live[level];
    if (dead > COMPACT_AT && dead > group.live[level]) deque.filter(isLive);
    if (group.live[level] === 0) this.#rings.unlink(group, level);
    this.#forgetIfIdle(group);
    return true;
  }

  removeWhere(predicate: (entry: E) => boolean): E[] {
    const removed: E[] = [];
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      for (const group of this.#groups()) {
        group.levels[level]?.filter((entry) => {
          if (entry.removed) return false;
          if (!predicate(entry)) return true;
          removed.push(entry);
          return false;
        });
      }
    }
    for (const entry of removed) {
      const group = this.#groupOf(entry) as Group<E>;
      entry.removed = true;
      this.#taken(group, entry.priority);
      if (group.live[entry.priority] === 0) this.#rings.unlink(group, entry.priority);
    }
    for (const entry of removed) this.#forgetIfIdle(this.#groupOf(entry));
    return removed;
  }

  move(entry: E & { priority: Priority }, priority: Priority): void {
    if (entry.removed) return;
    const group = this.#groupOf(entry);
    if (group === undefined) return;
    const from = entry.priority;
    // Taken out of its deque for real: a lazily removed entry living on elsewhere would be
    // served twice.
    group.levels[from]?.filter((other) => other !== entry);
    this.#taken(group, from);
    if (group.live[from] === 0) this.#rings.unlink(group, from);
    entry.priority = priority;
    this.#add(entry, false, true);
  }

  find(match: (entry: E) => boolean): E | undefined {
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      for (const group of this.#groups()) {
        const found = group.levels[level]?.find((entry) => !entry.removed && match(entry));
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  drain(): E[] {
    const all: E[] = [];
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      for (const group of this.#groups()) {
        for (const entry of group.levels[level]?.drain() ?? []) {
          if (entry.removed) continue;
          entry.removed = true;
          all.push(entry);
        }
        group.live[level] = 0;
        this.#rings.unlink(group, level);
      }
      this.#live[level] = 0;
    }
    for (const group of [...this.#keys.values()]) {
      group.queued = 0;
      this.#forgetIfIdle(group);
    }
    this.#keyless.queued = 0;
    this.#size = 0;
    this.#waiters.notify(this.capacity);
    return all;
  }

  whenCapacity(): Promise<void> {
    return this.#waiters.whenRoom(this.#size < this.capacity);
  }

  releaseWaiters(): void {
    this.#waiters.releaseAll();
  }

  /**
   * The entry that may start now (its group and level left in #selected*): the best level's next group in
   * turn, skipping (and unlinking) groups held back by their key's slots or rate. `undefined`
   * when nothing may start, including when the entry whose turn it is does not fit the free
   * slots (its slots are reserved: nothing ranked below it starts first).
   */
  #select(freeSlots: number, limit: number): E | undefined {
    // A field, not the heap's size(): this runs for every dispatch.
    if (this.#timers.pending) this.#runTimers();
    if (this.#size === 0 || freeSlots <= 0) return undefined;
    for (;;) {
      const level = this.agingMs === undefined ? this.#topLevel() : this.#agedLevel(this.agingMs);
      if (level < 0) return undefined;
      const group = this.#candidate(level) as Group<E>;
      const entry = this.#headOf(group, level);
      const weight = entry.weight ?? 1;
      if (group.key !== undefined) {
        // Its next entry does not fit the key's free slots: it waits for its own to end.
        if (!group.slots.fits(this.#keyItems ? 1 : weightOf(entry), group.limit)) {
          this.#rings.unlinkAll(group);
          continue;
        }
        if (group.bucket !== undefined && group.bucket.available() === 0) {
          this.#waitForRate(group);
          continue;
        }
      }
      // A heavier entry than the limit in force starts alone and holds the whole limit.
      if (weight > freeSlots && Math.min(weight, limit) > freeSlots) return undefined;
      this.#selectedGroup = group;
      this.#selectedLevel = level;
      return entry;
    }
  }

  /**
   * The group whose turn it is at a level. Until the first keyed entry, only the keyless group
   * exists and the rings are not kept: a pool that uses no keys pays for none.
   */
  #candidate(level: number): Group<E> | undefined {
    if (!this.#keyed) return this.#keyless.live[level] > 0 ? this.#keyless : undefined;
    return this.#rings.next(level);
  }

  #topLevel(): number {
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      if (this.#candidate(level) !== undefined) return level;
    }
    return -1;
  }

  /** The level whose next entry has the highest aged priority; ties go to the older one. */
  #agedLevel(agingMs: number): number {
    const now = this.#clock();
    let bestLevel = -1;
    let bestPriority = -1;
    let bestQueuedAt = Infinity;
    for (let level = PRIORITY_LEVELS - 1; level >= 0; level--) {
      const group = this.#candidate(level);
      if (group === undefined) continue;
      const head = this.#headOf(group, level);
      const aged = Math.min(Priority.CRITICAL, level + Math.floor((now - head.queuedAt) / agingMs));
      if (aged > bestPriority || (aged === bestPriority && head.queuedAt < bestQueuedAt)) {
        bestLevel = level;
        bestPriority = aged;
        bestQueuedAt = head.queuedAt;
      }
    }
    return bestLevel;
  }

  /** The oldest live entry of a group's level (dropping lazily removed ones before it). */
  #headOf(group: Group<E>, level: number): E {
    const deque = group.levels[level] as RingDeque<E>;
    let head = deque.peek() as E;
    while (head.removed) {
      deque.shift();
      head = deque.peek() as E;
    }
    return head;
  }

  #add(entry: E, front: boolean, keepQueuedAt: boolean): void {
    if (this.#stamp && !keepQueuedAt) entry.queuedAt = this.#clock();
    entry.removed = false;
    const key = entry.key;
    const group = key === undefined ? this.#keyless : this.#groupFor(key);
    const level = entry.priority;
    const deque = (group.levels[level] ??= new RingDeque<E>(key === undefined ? 16 : 4));
    if (front) deque.unshift(entry);
    else deque.push(entry);
    group.live[level]++;
    group.queued++;
    this.#live[level]++;
    this.#size++;
    if (this.#keyed && this.#mayStart(group)) this.#rings.link(group, level);
  }

  /** Counts an entry out of its group's level (taken, removed or moved). */
  #taken(group: Group<E>, level: number): void {
    group.live[level]--;
    group.queued--;
    this.#live[level]--;
    this.#size--;
    if (this.#waiters.waiting) this.#waiters.notify(this.capacity - this.#size);
  }

  #groupOf(entry: E): Group<E> | undefined {
    return entry.key === undefined ? this.#keyless : this.#keys.get(entry.key);
  }

  #groupFor(key: string): Group<E> {
    let group = this.#keys.get(key);
    if (group === undefined) {
      if (!this.#keyed) {
        // The first key: from now on the groups take turns in the rings, the keyless one too.
        this.#keyed = true;
        this.#linkWhereWaiting(this.#keyless);
      }
      const bucket =
        this.#rateLimit === undefined
          ? undefined
          : new TokenBucket(this.#rateLimit, this.#scheduler, 'keys.rateLimit');
      group = new Group<E>(key, this.#limitOf(key), bucket);
      this.#keys.set(key, group);
    }
    return group;
  }

  #limitOf(key: string): number {
    return this.#overrides.get(key) ?? this.#limits.get(key) ?? this.#defaultLimit;
  }

  /** Not held back by its key: below its limit, and not waiting for its rate window. */
  #mayStart(group: Group<E>): boolean {
    return (
      group.key === undefined ||
      (group.waitingUntil < 0 && group.slots.under(group.limit) < group.limit)
    );
  }

  /** Back into the rings of every level where it has work, if it may start something. */
  #linkWhereWaiting(group: Group<E>): void {
    if (!this.#mayStart(group)) return;
    for (let level = 0; level < PRIORITY_LEVELS; level++) {
      if (group.live[level] > 0) this.#rings.link(group, level);
    }
  }

  /** Its rate window is full: out of the rings until the window lets one more start. */
  #waitForRate(group: Group<E>): void {
    this.#rings.unlinkAll(group);
    const at = this.#clock() + (group.bucket as TokenBucket).msUntilNext();
    group.waitingUntil = at;
    this.#timers.add(at, group);
  }

  /** Groups whose time has come: rate windows reopened, idle keys to forget. */
  #runTimers(): void {
    this.#timers.takeDue(this.#clock(), (group, at) => {
      if (group.waitingUntil === at) {
        group.waitingUntil = -1;
        this.#linkWhereWaiting(group);
      }
      if (group.forgetAt === at) {
        group.forgetAt = -1;
        this.#forgetIfIdle(group);
      }
    });
  }

  /**
   * A key with nothing queued or running holds no state: it is forgotten (its counters restart
   * when it has work again). One whose rate window still counts recent starts is kept until the
   * window has passed, so that coming back does not reset its rate.
   */
  #forgetIfIdle(group: Group<E> | undefined): void {
    if (group === undefined || group.key === undefined || !group.idle) return;
    if (this.#keys.get(group.key) !== group) return;
    const bucket = group.bucket;
    if (bucket !== undefined && bucket.available() < bucket.limit) {
      if (group.forgetAt < 0) {
        group.forgetAt = this.#clock() + bucket.intervalMs;
        this.#timers.add(group.forgetAt, group);
      }
      return;
    }
    this.#rings.unlinkAll(group);
    this.#keys.delete(group.key);
  }

  /** The newest entry of a level, from the group whose turn there is furthest away. */
  #evictNewest(level: number): E {
    let group = this.#rings.last(level);
    if (group === undefined) {
      // Every group with entries there is held back: any of them.
      for (const candidate of this.#groups()) {
        if (candidate.live[level] > 0) {
          group = candidate;
          break;
        }
      }
    }
    const owner = group as Group<E>;
    const deque = owner.levels[level] as RingDeque<E>;
    let entry = deque.pop() as E;
    while (entry.removed) entry = deque.pop() as E;
    entry.removed = true;
    this.#taken(owner, level);
    if (owner.live[level] === 0) this.#rings.unlink(owner, level);
    this.#forgetIfIdle(owner);
    return entry;
  }

  *#groups(): IterableIterator<Group<E>> {
    yield this.#keyless;
    yield* this.#keys.values();
  }
}
