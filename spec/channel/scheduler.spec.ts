import { expect } from 'chai';
import { PriorityChannel } from '../../lib/channel/priority-channel';
import type { ChannelEntry, Scheduler } from '../../lib/channel/scheduler';
import { Priority } from '../../lib/task/priority';

type Job = ChannelEntry & { name: string };
const job = (name: string, priority: Priority): Job => ({ name, priority, queuedAt: 0 });

describe('channel/scheduler (the contract, as PriorityChannel implements it)', () => {
  it('next(freeSlots) gives nothing without a free slot and leaves the entry waiting', () => {
    const waiting: Scheduler<Job> = new PriorityChannel<Job>({});
    waiting.offer(job('a', Priority.NORMAL));
    expect(waiting.next(0)).to.equal(undefined);
    expect(waiting.size).to.equal(1);
    expect(waiting.next(1)?.name).to.equal('a');
    expect(waiting.size).to.equal(0);
    expect(waiting.next(1)).to.equal(undefined);
  });

  it('next() serves the highest priority first, then arrival order', () => {
    const waiting: Scheduler<Job> = new PriorityChannel<Job>({});
    waiting.offer(job('low', Priority.LOW));
    waiting.offer(job('normal-1', Priority.NORMAL));
    waiting.offer(job('critical', Priority.CRITICAL));
    waiting.offer(job('normal-2', Priority.NORMAL));
    const order: string[] = [];
    for (let entry = waiting.next(1); entry; entry = waiting.next(1)) order.push(entry.name);
    expect(order).to.deep.equal(['critical', 'normal-1', 'normal-2', 'low']);
  });

  it('sizes by priority, remove, move and requeue keep the counts', () => {
    const waiting: Scheduler<Job> = new PriorityChannel<Job>({});
    const a = job('a', Priority.LOW);
    const b = job('b', Priority.LOW);
    waiting.offer(a);
    waiting.offer(b);
    waiting.move(b, Priority.HIGH);
    expect(waiting.sizes()).to.deep.equal([1, 0, 1, 0]);
    expect(waiting.remove(a)).to.equal(true);
    expect(waiting.remove(a)).to.equal(false);
    const taken = waiting.next(1) as Job;
    waiting.requeue(taken);
    expect(waiting.sizes()).to.deep.equal([0, 0, 1, 0]);
    expect(waiting.find((entry) => entry.name === 'b')).to.equal(b);
  });
});
