import type { SchedulerLike, Subscription } from 'rxjs';

/** An item with a deadline, linked into a {@link DeadlineList} (intrusive, so no wrapper objects). */
export interface DeadlineNode {
  deadline: number;
  prevDeadline: DeadlineNode | undefined;
  nextDeadline: DeadlineNode | undefined;
  inDeadlineList: boolean;
}

/**
 * Timeouts for attempts that share one duration, with a single scheduler timer.
 *
 * One RxJS `timeout` per attempt costs a scheduler action (a `setInterval`) per task, most of
 * the pool's per-task overhead. With one duration per list, deadlines arrive in start order,
 * so a doubly-linked list is sorted by construction: O(1) add and remove, and one timer armed
 * for the head. A removed head leaves its timer armed; when it fires early it just re-arms.
 *
 * An empty list keeps its timer too, unreferenced so that it does not keep the process alive:
 * a pool fed in bursts empties its list between them, and disarming then re-arming a timer per
 * burst put ~20 µs on the first start of each (W3's p99). A scheduler whose timers have no
 * Node handle (a virtual one, in tests) has its timer disposed instead.
 */
export class DeadlineList<N extends DeadlineNode> {
  #head: N | undefined;
  #tail: N | undefined;
  #timer: Subscription | undefined;
  /** The armed timer's Node handle, when the scheduler's action exposes one (asyncScheduler's does). */
  #handle: NodeTimer | undefined;
  #firing = false;

  constructor(
    readonly durationMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly expire: (node: N) => void,
    /** Current time in the caller's units (defaults to the scheduler's clock). */
    private readonly clock: () => number = () => scheduler.now(),
  ) {}

  /** Starts the clock for `node` at `now` (the clock's time): it expires `durationMs` later unless removed first. */
  add(node: N, now: number = this.clock()): void {
    node.deadline = now + this.durationMs;
    node.inDeadlineList = true;
    node.prevDeadline = this.#tail;
    node.nextDeadline = undefined;
    if (this.#tail) this.#tail.nextDeadline = node;
    else {
      this.#head = node;
      this.#handle?.ref(); // it was empty: its timer holds the process again
    }
    this.#tail = node;
    if (this.#timer === undefined && !this.#firing) this.#arm(node.deadline);
  }

  /** True when no deadline is running. */
  get isEmpty(): boolean {
    return this.#head === undefined;
  }

  /** Stops the clock for `node`. */
  remove(node: N): void {
    if (!node.inDeadlineList) return;
    node.inDeadlineList = false;
    const prev = node.prevDeadline as N | undefined;
    const next = node.nextDeadline as N | undefined;
    if (prev) prev.nextDeadline = next;
    else this.#head = next;
    if (next) next.prevDeadline = prev;
    else this.#tail = prev;
    node.prevDeadline = node.nextDeadline = undefined;
    // Nothing left to time: the timer must not keep the process alive until it fires.
    if (this.#head === undefined && !this.#firing) {
      if (this.#handle !== undefined) this.#handle.unref();
      else this.dispose();
    }
  }

  /** Cancels the timer (pool teardown). */
  dispose(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#handle = undefined;
  }

  #arm(at: number): void {
    this.#timer = this.scheduler.schedule(() => this.#fire(), Math.max(0, at - this.clock()));
    this.#handle = nodeTimerOf(this.#timer);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#handle = undefined;
    const now = this.clock();
    // Expiring an attempt can start another (its slot frees): it joins the list, but the
    // timer is armed once, below, for whichever deadline is then first.
    this.#firing = true;
    try {
      let node = this.#head;
      while (node !== undefined && node.deadline <= now) {
        this.remove(node);
        this.expire(node);
        node = this.#head;
      }
    } finally {
      this.#firing = false;
    }
    if (this.#head !== undefined) this.#arm(this.#head.deadline);
  }
}

/** The part of a Node `Timeout` used here. */
interface NodeTimer {
  ref(): unknown;
  unref(): unknown;
}

/**
 * The Node timer behind a scheduled action, if any. RxJS's AsyncAction keeps the handle of its
 * `setInterval` as `id`; that is not public API, so anything else gets `undefined` and the
 * list falls back to disposing its timer when empty.
 */
function nodeTimerOf(action: Subscription): NodeTimer | undefined {
  const id: unknown = (action as { id?: unknown }).id;
  if (typeof id !== 'object' || id === null) return undefined;
  const timer = id as Partial<NodeTimer>;
  return typeof timer.ref === 'function' && typeof timer.unref === 'function'
    ? (timer as NodeTimer)
    : undefined;
}

/** Deadline lists kept for reuse beyond which every empty one is disposed. */
const MAX_IDLE_DEADLINE_LISTS = 16;

/**
 * One {@link DeadlineList} per distinct timeout, made on first use. The last-used list is
 * remembered: most pools have one timeout, and this saves two Map lookups per attempt.
 *
 * An emptied list is kept for reuse (a pool fed in bursts would otherwise re-arm a timer per
 * burst), but only while there are few lists: with a distinct `timeoutMs` per task
 * (`deadline - Date.now()`), one list per task would pile up until shutdown. So at most
 * MAX_IDLE_DEADLINE_LISTS empty lists are ever kept.
 */
export class DeadlineLists<N extends DeadlineNode> {
  readonly #lists = new Map<number, DeadlineList<N>>();
  #recent: DeadlineList<N> | undefined;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly expire: (node: N, timeoutMs: number) => void,
    private readonly clock: () => number,
  ) {}

  /** The list for `timeoutMs`, made on first use. */
  of(timeoutMs: number): DeadlineList<N> {
    const recent = this.#recent;
    if (recent?.durationMs === timeoutMs) return recent;
    let list = this.#lists.get(timeoutMs);
    if (list === undefined) {
      list = new DeadlineList<N>(
        timeoutMs,
        this.scheduler,
        (node) => this.expire(node, timeoutMs),
        this.clock,
      );
      this.#lists.set(timeoutMs, list);
    }
    this.#recent = list;
    return list;
  }

  /** Takes `node` off the list of `timeoutMs`, if it is on it. */
  leave(node: N, timeoutMs: number): void {
    const recent = this.#recent;
    const list = recent?.durationMs === timeoutMs ? recent : this.#lists.get(timeoutMs);
    if (list === undefined) return;
    if (node.inDeadlineList) list.remove(node);
    if (list.isEmpty && this.#lists.size > MAX_IDLE_DEADLINE_LISTS) {
      list.dispose();
      this.#lists.delete(timeoutMs);
      if (list === recent) this.#recent = undefined;
    }
  }

  /** Stops every timer (after the drain). */
  dispose(): void {
    for (const list of this.#lists.values()) list.dispose();
    this.#lists.clear();
    this.#recent = undefined;
  }
}
