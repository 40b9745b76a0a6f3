import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { KeyedChannel } from '../../lib/channel/keyed-channel';
import type { ChannelEntry } from '../../lib/channel/scheduler';
import { Priority } from '../../lib/task/priority';

interface Job extends ChannelEntry {
  name: string;
  priority: Priority;
}

const job = (
  name: string,
  key?: string,
  weight?: number,
  priority: Priority = Priority.NORMAL,
): Job => ({
  name,
  key,
  weight,
  priority,
  queuedAt: 0,
});

/** Takes what the channel starts with `limit` slots, running nothing yet: up to `count` names. */
function startAll(channel: KeyedChannel<Job>, limit: number, count = Infinity): Job[] {
  const started: Job[] = [];
  let used = 0;
  while (started.length < count) {
    const next = channel.next(limit - used, limit);
    if (next === undefined) break;
    used += Math.min(next.weight ?? 1, limit);
    started.push(next);
  }
  return started;
}
const names = (jobs: Job[]): string[] => jobs.map((j) => j.name);

describe('channel/keyed-channel', () => {
  describe('order', () => {
    it('keys take turns within a priority; the tasks without a key are one group of their own', () => {
      const channel = new KeyedChannel<Job>();
      for (const name of ['a1', 'a2', 'a3']) channel.offer(job(name, 'a'));
      for (const name of ['b1', 'b2']) channel.offer(job(name, 'b'));
      for (const name of ['n1', 'n2']) channel.offer(job(name));
      expect(names(startAll(channel, 100))).to.deep.equal([
        'a1',
        'b1',
        'n1',
        'a2',
        'b2',
        'n2',
        'a3',
      ]);
    });

    it('a higher priority goes first whatever its key; keys take turns within each level', () => {
      const channel = new KeyedChannel<Job>();
      channel.offer(job('a-low', 'a', 1, Priority.LOW));
      channel.offer(job('a1', 'a'));
      channel.offer(job('a2', 'a'));
      channel.offer(job('b-crit', 'b', 1, Priority.CRITICAL));
      channel.offer(job('b1', 'b'));
      expect(names(startAll(channel, 100))).to.deep.equal(['b-crit', 'a1', 'b1', 'a2', 'a-low']);
    });

    it('aging lifts a level by what its next task has waited', () => {
      const clock = { now: 0 };
      const channel = new KeyedChannel<Job>({ agingMs: 100 }, {}, undefined, {
        clock: () => clock.now,
      });
      channel.offer(job('old-low', 'a', 1, Priority.LOW));
      clock.now = 250; // two levels up: NORMAL + 0 < LOW + 2
      channel.offer(job('new-high', 'b', 1, Priority.HIGH));
      channel.offer(job('new-normal', 'c'));
      expect(names(startAll(channel, 100))).to.deep.equal(['old-low', 'new-high', 'new-normal']);
    });

    it('a retry rejoins the front of its key, ahead of newer tasks of its priority', () => {
      const channel = new KeyedChannel<Job>();
      const a1 = job('a1', 'a');
      channel.offer(a1);
      channel.offer(job('a2', 'a'));
      const [first] = startAll(channel, 1, 1);
      channel.release(first);
      channel.requeue(a1);
      expect(names(startAll(channel, 100))).to.deep.equal(['a1', 'a2']);
    });
  });

  describe('limits', () => {
    it('a key at its limit is skipped, not blocking the others, and takes its turn again once free', () => {
      const channel = new KeyedChannel<Job>({}, { concurrency: 1, limits: { b: 2 } });
      for (const name of ['a1', 'a2', 'a3']) channel.offer(job(name, 'a'));
      for (const name of ['b1', 'b2', 'b3']) channel.offer(job(name, 'b'));
      const started = startAll(channel, 100);
      expect(names(started)).to.deep.equal(['a1', 'b1', 'b2']);
      expect(channel.size).to.equal(3);
      channel.release(started[0]);
      expect(names(startAll(channel, 100))).to.deep.equal(['a2']);
      channel.release(started[1]);
      expect(names(startAll(channel, 100))).to.deep.equal(['b3']);
    });

    it('setKeyLimit raises or lowers a key at run time, and undefined returns it to its default', () => {
      const channel = new KeyedChannel<Job>({}, { concurrency: 1 });
      for (const name of ['a1', 'a2', 'a3', 'a4']) channel.offer(job(name, 'a'));
      const [a1] = startAll(channel, 100);
      channel.setKeyLimit('a', 3);
      expect(channel.keyLimit('a')).to.equal(3);
      expect(names(startAll(channel, 100))).to.deep.equal(['a2', 'a3']);
      channel.setKeyLimit('a', undefined);
      expect(channel.keyLimit('a')).to.equal(1);
      channel.release(a1);
      expect(startAll(channel, 100)).to.deep.equal([]); // still 2 running above 1
    });

    it('a per-key rate limit holds a key back until its window lets it, and says when that is', () => {
      const scheduler = new VirtualTimeScheduler();
      const channel = new KeyedChannel<Job>(
        {},
        { rateLimit: { limit: 2, intervalMs: 1000 } },
        scheduler,
      );
      for (const name of ['a1', 'a2', 'a3']) channel.offer(job(name, 'a'));
      channel.offer(job('b1', 'b'));
      channel.offer(job('n1'));
      expect(names(startAll(channel, 100))).to.deep.equal(['a1', 'b1', 'n1', 'a2']);
      expect(channel.wakeInMs()).to.equal(1000);
      scheduler.schedule(() => undefined, 1000);
      scheduler.flush();
      expect(names(startAll(channel, 100))).to.deep.equal(['a3']);
    });
  });

  describe('weights', () => {
    it('an entry holds its weight; one that does not fit reserves the slots (nothing below starts)', () => {
      const channel = new KeyedChannel<Job>();
      channel.offer(job('light1', undefined, 1));
      channel.offer(job('heavy', undefined, 4));
      channel.offer(job('light2', undefined, 1));
      const first = startAll(channel, 4);
      expect(names(first)).to.deep.equal(['light1']);
      expect(channel.peek(3, 4)).to.equal(undefined);
      channel.release(first[0]);
      expect(channel.next(4, 4)?.name).to.equal('heavy');
    });

    it('an entry heavier than the limit starts when all slots are free (it holds them all)', () => {
      const channel = new KeyedChannel<Job>();
      channel.offer(job('heavy', undefined, 8));
      expect(channel.next(3, 4)).to.equal(undefined);
      expect(channel.next(4, 4)?.name).to.equal('heavy');
    });

    it("a key's next entry that does not fit its free slots skips the key; heavier than its limit, it runs alone", () => {
      const channel = new KeyedChannel<Job>({}, { concurrency: 2 });
      channel.offer(job('a-light', 'a', 1));
      channel.offer(job('a-heavy', 'a', 2));
      channel.offer(job('b-huge', 'b', 5));
      channel.offer(job('c1', 'c', 1));
      const started = startAll(channel, 100);
      // a's heavy one waits for a's own slot; b's (above b's limit of 2) runs alone in b.
      expect(names(started)).to.deep.equal(['a-light', 'b-huge', 'c1']);
      channel.offer(job('b-next', 'b', 1));
      expect(startAll(channel, 100)).to.deep.equal([]);
      channel.release(started[0]);
      channel.release(started[1]);
      expect(names(startAll(channel, 100))).to.deep.equal(['a-heavy', 'b-next']);
    });
  });

  describe('queue management', () => {
    it('remove, move, find, removeWhere and drain see every key; sizes count every level', () => {
      const channel = new KeyedChannel<Job>();
      const a1 = job('a1', 'a');
      const b1 = job('b1', 'b', 1, Priority.LOW);
      channel.offer(a1);
      channel.offer(job('a2', 'a'));
      channel.offer(b1);
      channel.offer(job('n1'));
      expect(channel.sizes()).to.deep.equal([1, 3, 0, 0]);
      expect(channel.find((j) => j.name === 'b1')).to.equal(b1);
      expect(channel.remove(a1)).to.equal(true);
      expect(channel.remove(a1)).to.equal(false);
      channel.move(b1, Priority.CRITICAL);
      expect(channel.sizes()).to.deep.equal([0, 2, 0, 1]);
      expect(names(channel.removeWhere((j) => j.name === 'n1'))).to.deep.equal(['n1']);
      expect(names(channel.drain())).to.deep.equal(['b1', 'a2']);
      expect(channel.size).to.equal(0);
      expect(channel.heldKeys).to.equal(0);
    });

    it('a full queue refuses, or with drop-lowest evicts the newest of the lowest level', () => {
      const channel = new KeyedChannel<Job>({ capacity: 2, overflow: 'drop-lowest' });
      channel.offer(job('low1', 'a', 1, Priority.LOW));
      channel.offer(job('low2', 'a', 1, Priority.LOW));
      expect(channel.hasRoom()).to.equal(false);
      const result = channel.offer(job('high', 'b', 1, Priority.HIGH));
      expect(result.accepted && result.evicted?.name).to.equal('low2');
      expect(channel.offer(job('low3', 'c', 1, Priority.LOW)).accepted).to.equal(false);
    });

    it('whenCapacity resolves as room appears', async () => {
      const channel = new KeyedChannel<Job>({ capacity: 1 });
      channel.offer(job('a1', 'a'));
      let resolved = false;
      const waiting = channel.whenCapacity().then(() => (resolved = true));
      await Promise.resolve();
      expect(resolved).to.equal(false);
      startAll(channel, 1);
      await waiting;
      expect(resolved).to.equal(true);
    });
  });

  describe('keys cost nothing when idle', () => {
    it('a key with nothing queued or running holds no state', () => {
      const channel = new KeyedChannel<Job>({}, { concurrency: 1 });
      for (let i = 0; i < 10_000; i++) channel.offer(job(`t${i}`, `key-${i}`));
      expect(channel.heldKeys).to.equal(10_000);
      const started = startAll(channel, Infinity);
      expect(started).to.have.length(10_000);
      for (const entry of started) channel.release(entry);
      expect(channel.heldKeys).to.equal(0);
      expect(channel.keyMetrics()).to.deep.include({ count: 0, top: [] });
    });

    it('with a rate limit, an idle key is kept only until its window has passed', () => {
      const scheduler = new VirtualTimeScheduler();
      const channel = new KeyedChannel<Job>(
        {},
        { rateLimit: { limit: 1, intervalMs: 100 } },
        scheduler,
      );
      channel.offer(job('a1', 'a'));
      const [a1] = startAll(channel, 10);
      channel.release(a1);
      expect(channel.heldKeys).to.equal(1);
      // Coming back within the window does not reset its rate.
      channel.offer(job('a2', 'a'));
      expect(startAll(channel, 10)).to.deep.equal([]);
      scheduler.schedule(() => undefined, 100);
      scheduler.flush();
      const [a2] = startAll(channel, 10);
      channel.release(a2);
      scheduler.schedule(() => undefined, 100);
      scheduler.flush();
      channel.peek(10, 10); // a dispatch question runs the due timers
      expect(channel.heldKeys).to.equal(0);
    });
  });

  it('keyMetrics: the busiest keys first, the rest summed, outcomes counted per key', () => {
    const channel = new KeyedChannel<Job>({}, { concurrency: 1, maxTracked: 2 });
    expect(channel.keyMetrics()).to.equal(undefined); // no key yet
    for (const [key, count] of [
      ['a', 5],
      ['b', 3],
      ['c', 2],
      ['d', 1],
    ] as const) {
      for (let i = 0; i < count; i++) channel.offer(job(`${key}${i}`, key));
    }
    const started = startAll(channel, 100);
    channel.countOutcome(started[0], true);
    expect(channel.keyMetrics()).to.deep.equal({
      count: 4,
      top: [
        { key: 'a', queued: 4, running: 1, succeeded: 1, failed: 0 },
        { key: 'b', queued: 2, running: 1, succeeded: 0, failed: 0 },
      ],
      others: { queued: 1, running: 2 },
    });
  });
});
