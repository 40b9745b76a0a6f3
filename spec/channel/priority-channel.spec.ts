import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { PriorityChannel, type ChannelEntry } from '../../lib/channel/priority-channel';
import { Priority, type Priority as P } from '../../lib/task/priority';

interface Item extends ChannelEntry {
  name: string;
}
const item = (name: string, priority: P): Item => ({ name, priority, queuedAt: 0 });
const names = (channel: PriorityChannel<Item>): string[] => {
  const out: string[] = [];
  for (let next = channel.poll(); next; next = channel.poll()) out.push(next.name);
  return out;
};

describe('PriorityChannel', () => {
  it('serves the highest level first, FIFO within a level', () => {
    const channel = new PriorityChannel<Item>();
    channel.offer(item('low1', Priority.LOW));
    channel.offer(item('n1', Priority.NORMAL));
    channel.offer(item('c1', Priority.CRITICAL));
    channel.offer(item('n2', Priority.NORMAL));
    channel.offer(item('h1', Priority.HIGH));
    channel.offer(item('c2', Priority.CRITICAL));
    expect(channel.size).to.equal(6);
    expect(channel.sizes()).to.deep.equal([1, 2, 1, 2]);
    expect(names(channel)).to.deep.equal(['c1', 'c2', 'h1', 'n1', 'n2', 'low1']);
    expect(channel.poll()).to.equal(undefined);
  });

  it("refuses arrivals when full under 'reject'", () => {
    const channel = new PriorityChannel<Item>({ capacity: 2 });
    expect(channel.offer(item('a', Priority.LOW)).accepted).to.equal(true);
    expect(channel.offer(item('b', Priority.LOW)).accepted).to.equal(true);
    expect(channel.hasRoom()).to.equal(false);
    expect(channel.offer(item('c', Priority.CRITICAL))).to.deep.equal({ accepted: false });
    expect(names(channel)).to.deep.equal(['a', 'b']);
  });

  it("evicts the newest task of the lowest non-empty level below the arrival under 'drop-lowest'", () => {
    const channel = new PriorityChannel<Item>({ capacity: 3, overflow: 'drop-lowest' });
    channel.offer(item('n1', Priority.NORMAL));
    channel.offer(item('low1', Priority.LOW));
    channel.offer(item('low2', Priority.LOW));
    const result = channel.offer(item('h1', Priority.HIGH));
    expect(result.accepted).to.equal(true);
    expect(result.accepted && result.evicted?.name).to.equal('low2');
    // Nothing below LOW: a LOW arrival is refused.
    channel.offer(item('low3', Priority.LOW)); // refused? channel is full with n1, low1, h1
    expect(channel.size).to.equal(3);
    expect(channel.offer(item('low4', Priority.LOW)).accepted).to.equal(false);
    // Nothing below NORMAL once LOW is empty.
    const r2 = channel.offer(item('n2', Priority.NORMAL));
    expect(r2.accepted && r2.evicted?.name).to.equal('low1');
    expect(channel.offer(item('n3', Priority.NORMAL)).accepted).to.equal(false);
    expect(names(channel)).to.deep.equal(['h1', 'n1', 'n2']);
  });

  it('puts a requeued entry at the front of its level, past capacity', () => {
    const channel = new PriorityChannel<Item>({ capacity: 2 });
    channel.offer(item('n1', Priority.NORMAL));
    channel.offer(item('n2', Priority.NORMAL));
    channel.requeue(item('retry', Priority.NORMAL));
    expect(channel.size).to.equal(3);
    expect(names(channel)).to.deep.equal(['retry', 'n1', 'n2']);
  });

  it('ages waiting entries one level per agingMs, ties to the older', () => {
    const scheduler = new VirtualTimeScheduler();
    const channel = new PriorityChannel<Item>({ agingMs: 100 }, scheduler);
    channel.offer(item('low-old', Priority.LOW)); // t=0
    scheduler.schedule(() => {
      channel.offer(item('high-new', Priority.HIGH)); // t=250
    }, 250);
    scheduler.schedule(() => {
      // At t=300 low-old has waited 300 ms: LOW + 3 = CRITICAL > HIGH (waited 50 ms).
      expect(channel.poll()?.name).to.equal('low-old');
      expect(channel.poll()?.name).to.equal('high-new');
    }, 300);
    scheduler.flush();
  });

  it('without aging, a flood of HIGH starves LOW; with aging LOW is served', () => {
    const serveLowAt = (agingMs: number | undefined): number => {
      const scheduler = new VirtualTimeScheduler();
      const channel = new PriorityChannel<Item>({ agingMs }, scheduler);
      channel.offer(item('low', Priority.LOW));
      let servedAt = -1;
      for (let t = 1; t <= 1000; t++) {
        scheduler.schedule(() => {
          channel.offer(item('high', Priority.HIGH));
          if (channel.poll()?.name === 'low' && servedAt < 0) servedAt = t;
        }, t);
      }
      scheduler.flush();
      return servedAt;
    };
    expect(serveLowAt(undefined)).to.equal(-1);
    // LOW reaches HIGH after 200 ms; ties go to the older task.
    expect(serveLowAt(100)).to.equal(200);
  });

  it('removes entries lazily and in bulk', () => {
    const channel = new PriorityChannel<Item>({ capacity: 3 });
    const a = item('a', Priority.LOW);
    channel.offer(a);
    channel.offer(item('b', Priority.LOW));
    channel.offer(item('c', Priority.HIGH));
    expect(channel.remove(a)).to.equal(true);
    expect(channel.remove(a)).to.equal(false);
    expect(channel.size).to.equal(2);
    expect(channel.removeWhere((e) => e.name === 'c').map((e) => e.name)).to.deep.equal(['c']);
    expect(channel.sizes()).to.deep.equal([1, 0, 0, 0]);
    expect(names(channel)).to.deep.equal(['b']);
  });

  it('drains everything, highest first', () => {
    const channel = new PriorityChannel<Item>();
    channel.offer(item('l', Priority.LOW));
    channel.offer(item('c', Priority.CRITICAL));
    expect(channel.drain().map((e) => e.name)).to.deep.equal(['c', 'l']);
    expect(channel.size).to.equal(0);
  });

  it('whenCapacity resolves at once with room, else when an entry leaves', async () => {
    const channel = new PriorityChannel<Item>({ capacity: 1 });
    await channel.whenCapacity();
    channel.offer(item('a', Priority.LOW));
    let resolved = false;
    const waiting = channel.whenCapacity().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).to.equal(false);
    channel.poll();
    await waiting;
    expect(resolved).to.equal(true);
  });

  it('names the option and the value on bad options', () => {
    expect(() => new PriorityChannel({ capacity: 0 })).to.throw(
      'Expected `queue.capacity` to be an integer from 1, got `0` (number)',
    );
    expect(() => new PriorityChannel({ overflow: 'drop' as 'reject' })).to.throw(
      /queue\.overflow.*`drop` \(string\)/,
    );
    expect(() => new PriorityChannel({ agingMs: -1 })).to.throw(/queue\.agingMs/);
  });
});
