import type { Observable, SchedulerLike, Subscriber, Subscription } from 'rxjs';
import type { ChannelEntry, Scheduler } from '../channel/scheduler';
import { HeldSlots } from '../channel/held-slots';
import { LinkedObserver } from './linked-observer';

/** Decides whether one more entry may start now (rate limits, circuit breakers). */
export interface DispatchGate {
  /** True to let one entry start now (and count it). */
  tryPass(): boolean;
  /** When refused: ms until `tryPass` may succeed, or `undefined` if whoever refused will call `pump()`. */
  retryInMs(): number | undefined;
  /**
   * Called after a pump the gate did not stop (the channel is empty, or the concurrency limit
   * or a pause stopped it), with whether entries still wait, so a gate tracking "tasks held
   * back" can say it is still so or no longer. Returns ms until it wants another pump to look
   * again (its limit lifts while the concurrency limit holds the entries), or `undefined`.
   */
  settled?(waiting: boolean): number | undefined;
}

/** Handles the pool keeps on a running merge, to feed it from outside its source. */
export interface MergeControl<E> {
  /** Starts whatever the limit and the gate allow now. */
  pump(): void;
  /** Puts an accepted entry back at the front of its level (a retry) and pumps. */
  requeue(entry: E): void;
  /** Keeps the merge from completing while an entry is outside it (waiting out a backoff). */
  hold(): void;
  /** Releases one `hold()`. */
  unhold(): void;
  /** Slots the running entries hold now (an entry holds its weight). */
  readonly active: number;
  /** The limit in force. */
  readonly limit: number;
  /** Frees the slots of a started entry: the same function `start` receives as `done`. */
  release(entry: E): void;
}

/** What the merge asks of the waiting entries: the part of {@link Scheduler} it uses. */
export type MergeScheduler<E extends ChannelEntry> = Pick<
  Scheduler<E>,
  'size' | 'offer' | 'requeue' | 'next' | 'peek' | 'release' | 'wakeInMs'
>;

/** What the shared merge loop needs from the operator or the pool that runs it. */
export interface MergeConfig<E extends ChannelEntry, R> {
  /** The waiting entries: the merge asks it which one may start in the free slots. */
  channel: MergeScheduler<E>;
  limit$: Observable<number>;
  /** Starts an entry; `done(entry)` must be called exactly once, when its slots are free again. */
  start(entry: E, subscriber: Subscriber<R>, done: (entry: E) => void): void;
  /** Called for an arrival the full channel refused, or an entry it evicted. */
  overflow(entry: E, evicted: boolean, subscriber: Subscriber<R>): void;
  gate?: DispatchGate;
  scheduler: SchedulerLike;
  /** Receives the control handles once the merge is subscribed. */
  control?(control: MergeControl<E>): void;
}

/**
 * The demand-driven merge loop shared by `priorityMerge` and the pool: it takes the next entry
 * from the channel only when a slot is free, so the channel decides the order, and completes
 * once its source has completed, the channel is empty, nothing runs and nothing is held.
 *
 * The limit and the source are subscribed through observers linked to `subscriber`, and its
 * own teardown is added to `subscriber` before anything is subscribed, so a downstream that
 * unsubscribes while a synchronous source or inner is still emitting stops it there.
 */
export function priorityMergeInternals<E extends ChannelEntry, R>(
  source: Observable<E>,
  subscriber: Subscriber<R>,
  config: MergeConfig<E, R>,
): void {
  const { channel, start, gate, scheduler } = config;
  let limit = 0;
  /** Slots held: an entry holds its weight, or the whole limit when it is heavier than that. */
  const held = new HeldSlots();
  /** Entries outside the merge that will come back (a retry waiting out its backoff). */
  let outside = 0;
  let sourceDone = false;
  // Guards against unbounded recursion when handlers settle synchronously: a `done` called
  // while pumping only frees the slot, and the running loop goes on.
  let pumping = false;
  let wakeUp: Subscription | undefined;
  subscriber.add(() => wakeUp?.unsubscribe());

  const checkComplete = (): void => {
    if (
      sourceDone &&
      !subscriber.closed &&
      held.count === 0 &&
      outside === 0 &&
      channel.size === 0
    ) {
      subscriber.complete();
    }
  };

  const done = (entry: E): void => {
    held.remove(entry.weight ?? 1);
    channel.release(entry);
    if (!pumping) pump();
  };

  const pump = (): void => {
    if (pumping || subscriber.closed) return;
    pumping = true;
    let refused = false;
    try {
      for (;;) {
        // Read again each time: a start may end synchronously and free its slots.
        const free = limit - held.under(limit);
        if (free <= 0 || channel.size === 0 || subscriber.closed) break;
        // The gate counts a start: asked only once something may start.
        if (gate !== undefined) {
          if (channel.peek(free, limit) === undefined) {
            scheduleWake(channel.wakeInMs());
            break;
          }
          if (!gate.tryPass()) {
            refused = true;
            scheduleWake(gate.retryInMs());
            break;
          }
        }
        const entry = channel.next(free, limit);
        // Nothing may start: the next entry waits for more slots to free up (its weight), or
        // every waiting key is held back (a time, its rate window, may lift that).
        if (entry === undefined) {
          scheduleWake(channel.wakeInMs());
          break;
        }
        held.add(entry.weight ?? 1);
        start(entry, subscriber, done);
      }
    } finally {
      pumping = false;
    }
    if (!refused && gate?.settled !== undefined) scheduleWake(gate.settled(channel.size > 0));
    checkComplete();
  };

  const scheduleWake = (ms: number | undefined): void => {
    if (ms === undefined || wakeUp !== undefined) return;
    wakeUp = scheduler.schedule(() => {
      wakeUp = undefined;
      pump();
    }, ms);
  };

  const control: MergeControl<E> = {
    pump,
    requeue(entry) {
      channel.requeue(entry);
      pump();
    },
    hold() {
      outside++;
    },
    unhold() {
      outside--;
      checkComplete();
    },
    get active() {
      return held.under(limit);
    },
    get limit() {
      return limit;
    },
    release: done,
  };
  config.control?.(control);

  config.limit$.subscribe(
    new LinkedObserver<number>(subscriber, {
      next(value) {
        // Raising the limit starts queued entries at once; lowering it starts none until
        // running ones have finished below it.
        limit = value;
        pump();
      },
      error: (err: unknown) => subscriber.error(err),
      complete: noop,
    }),
  );
  if (subscriber.closed) return;

  source.subscribe(
    new LinkedObserver<E>(subscriber, {
      next(entry) {
        // Every arrival goes through the channel, so a full queue refuses it the same way
        // whether or not a slot happens to be free.
        const offered = channel.offer(entry);
        if (!offered.accepted) {
          config.overflow(entry, false, subscriber);
          return;
        }
        if (offered.evicted !== undefined) config.overflow(offered.evicted, true, subscriber);
        if (held.under(limit) < limit) pump();
      },
      error: (err: unknown) => subscriber.error(err),
      complete() {
        sourceDone = true;
        checkComplete();
      },
    }),
  );
}

function noop(): void {}
