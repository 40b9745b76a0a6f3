import { Heap } from 'heap-js';
import type { KeyStats, KeysMetrics } from '../metrics/pool-metrics';
import type { TokenBucket } from '../resilience/token-bucket';
import { HeldSlots } from './held-slots';
import type { RingDeque } from './ring-deque';
import type { ChannelEntry } from './scheduler';

/**
 * The waiting tasks of one key (or of the tasks without a key, which form one group of their
 * own) and the slots its running attempts hold. It is a member of the turn ring of each level
 * where it has tasks, unless it is held back (its limit, its rate): the rings hold only groups
 * that may start something, so a dispatch never scans past held-back keys.
 */
export class Group<E extends ChannelEntry> {
  readonly levels: (RingDeque<E> | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly live = [0, 0, 0, 0];
  queued = 0;
  /** What its running entries hold of its limit. */
  readonly slots = new HeldSlots();
  succeeded = 0;
  failed = 0;
  /** Ring neighbours per level; bit `level` of `linked` is set while it is in that ring. */
  readonly prev: (Group<E> | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly next: (Group<E> | undefined)[] = [undefined, undefined, undefined, undefined];
  linked = 0;
  /** When its rate window lets it start again, while it waits for that; -1 otherwise. */
  waitingUntil = -1;
  /** When an idle key whose rate window still counts recent starts may be forgotten; -1 if not due. */
  forgetAt = -1;

  constructor(
    readonly key: string | undefined,
    public limit: number,
    readonly bucket: TokenBucket | undefined,
  ) {}

  /** Its entries running now. */
  get running(): number {
    return this.slots.count;
  }

  get idle(): boolean {
    return this.queued === 0 && this.slots.count === 0;
  }
}

/**
 * The keys with queued or running work: how many, the `maxTracked` busiest (queued plus
 * running), busiest first, in O(k log maxTracked), and what the others hold together.
 */
export function busiestKeys<E extends ChannelEntry>(
  groups: Iterable<Group<E>>,
  maxTracked: number,
): KeysMetrics {
  const busy: Group<E>[] = [];
  let queued = 0;
  let running = 0;
  for (const group of groups) {
    if (group.idle) continue;
    busy.push(group);
    queued += group.queued;
    running += group.running;
  }
  const load = (group: Group<E>): number => group.queued + group.running;
  // heap-js orders by its comparator: b - a puts the largest first.
  const top: KeyStats[] = Heap.nlargest(maxTracked, busy, (a, b) => load(b) - load(a))
    .sort((a, b) => load(b) - load(a))
    .map((group) => ({
      key: group.key as string,
      queued: group.queued,
      running: group.running,
      succeeded: group.succeeded,
      failed: group.failed,
    }));
  for (const line of top) {
    queued -= line.queued;
    running -= line.running;
  }
  return { count: busy.length, top, others: { queued, running } };
}
