import { expect } from 'chai';
import { BehaviorSubject, Observable, Subject, asyncScheduler } from 'rxjs';
import { PriorityChannel } from '../../lib/channel/priority-channel';
import type { ChannelEntry, Scheduler } from '../../lib/channel/scheduler';
import { priorityMergeInternals } from '../../lib/merge/priority-merge-internals';
import { Priority } from '../../lib/task/priority';

interface Job extends ChannelEntry {
  name: string;
  /** Slots the job holds; the scheduler below refuses it while fewer are free. */
  weight: number;
}

const job = (name: string, weight = 1): Job => ({
  name,
  weight,
  priority: Priority.NORMAL,
  queuedAt: 0,
});

/**
 * A scheduler over the priority channel that records every question the merge asks, and
 * whose head job waits until its slots are free: the contract keys and weights build on.
 */
class RecordingScheduler extends PriorityChannel<Job> implements Scheduler<Job> {
  readonly asked: number[] = [];

  override next(freeSlots: number): Job | undefined {
    this.asked.push(freeSlots);
    const head = this.find(() => true);
    if (head === undefined || head.weight > freeSlots) return undefined;
    return this.poll();
  }
}

function runMerge(waiting: Scheduler<Job>, limit: number) {
  const source = new Subject<Job>();
  const started: string[] = [];
  const done = new Map<string, () => void>();
  const merged = new Observable<string>((subscriber) =>
    priorityMergeInternals(source, subscriber, {
      channel: waiting,
      limit$: new BehaviorSubject(limit),
      scheduler: asyncScheduler,
      start: (entry, _subscriber, finish) => {
        started.push(entry.name);
        done.set(entry.name, () => finish(entry));
      },
      overflow: () => expect.fail('nothing overflows an unbounded channel'),
    }),
  );
  const subscription = merged.subscribe();
  return { source, started, finish: (name: string) => done.get(name)?.(), subscription };
}

describe('merge/priority-merge-internals', () => {
  it('asks the scheduler for the next entry with the free slots, one question per start', () => {
    const waiting = new RecordingScheduler({});
    const merge = runMerge(waiting, 3);
    for (const name of ['a', 'b', 'c', 'd', 'e']) merge.source.next(job(name));
    expect(merge.started).to.deep.equal(['a', 'b', 'c']);
    // Each arrival pumps once while a slot is free; d and e arrive to a full merge.
    expect(waiting.asked).to.deep.equal([3, 2, 1]);
    merge.finish('a');
    expect(merge.started).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(waiting.asked.at(-1)).to.equal(1);
    merge.subscription.unsubscribe();
  });

  it('starts nothing while the scheduler says nothing fits, and the entry once it does', () => {
    const waiting = new RecordingScheduler({});
    const merge = runMerge(waiting, 4);
    merge.source.next(job('light-1'));
    merge.source.next(job('light-2'));
    merge.source.next(job('heavy', 4));
    merge.source.next(job('light-3'));
    merge.source.next(job('light-4'));
    // The heavy job needs all four slots: nothing ranked after it starts meanwhile.
    expect(merge.started).to.deep.equal(['light-1', 'light-2']);
    merge.finish('light-1');
    expect(merge.started).to.deep.equal(['light-1', 'light-2']);
    merge.finish('light-2');
    // It holds all four slots while it runs: the light ones wait for it.
    expect(merge.started).to.deep.equal(['light-1', 'light-2', 'heavy']);
    merge.finish('heavy');
    expect(merge.started).to.deep.equal(['light-1', 'light-2', 'heavy', 'light-3', 'light-4']);
    merge.subscription.unsubscribe();
  });

  it('completes once the source has completed and nothing waits or runs', () => {
    const waiting = new PriorityChannel<Job>({});
    const source = new Subject<Job>();
    let completed = false;
    const finishes: (() => void)[] = [];
    new Observable<never>((subscriber) =>
      priorityMergeInternals(source, subscriber, {
        channel: waiting,
        limit$: new BehaviorSubject(1),
        scheduler: asyncScheduler,
        start: (entry, _subscriber, finish) => void finishes.push(() => finish(entry)),
        overflow: () => undefined,
      }),
    ).subscribe({ complete: () => (completed = true) });
    source.next(job('a'));
    source.next(job('b'));
    source.complete();
    expect(completed).to.equal(false);
    finishes[0]();
    expect(completed).to.equal(false);
    finishes[1]();
    expect(completed).to.equal(true);
  });
});
