import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { KeyedChannel } from '../../lib/channel/keyed-channel';
import { Priority } from '../../lib/task/priority';
import { BatchFormer } from '../../lib/pool/batch-former';
import { PoolTask, TaskState, type TaskSettings } from '../../lib/pool/pool-task';
import { TaskBatch } from '../../lib/pool/task-batch';
import { poolTask, taskSettings } from '../support/task-fixtures';

const batchedHandler = (n: string) => n;
const otherHandler = (n: string) => n;
const BATCHED = taskSettings<string, string>(batchedHandler);
const OTHER = taskSettings<string, string>(otherHandler);

function task(
  name: string,
  options: {
    weight?: number;
    key?: string;
    priority?: Priority;
    settings?: TaskSettings<string, string>;
  } = {},
): PoolTask<string, string> {
  return poolTask(name, { settings: BATCHED, ...options });
}

function former(maxSize: number, maxWaitMs = 0) {
  const scheduler = new VirtualTimeScheduler();
  const channel = new KeyedChannel<PoolTask<string, string>>({}, {}, scheduler, { keyItems: true });
  const closed: string[][] = [];
  const batches = new BatchFormer<string, string>(
    channel,
    { maxSize, maxWaitMs, batchable: (t) => t.settings.handler === batchedHandler },
    scheduler,
    (batch) => closed.push(batch.items.map((t) => t.id)),
  );
  return { scheduler, channel, batches, closed };
}

const names = (entry: unknown): string[] | string | undefined =>
  entry instanceof TaskBatch
    ? (entry.items as PoolTask<string, string>[]).map((t) => t.id)
    : (entry as PoolTask<string, string> | undefined)?.id;

describe('BatchFormer', () => {
  it('gives a batch of what waits, up to maxSize, in the scheduler’s order', () => {
    const { batches } = former(3);
    for (const name of ['a', 'b', 'c', 'd']) batches.offer(task(name));
    batches.offer(task('h', { priority: Priority.HIGH }));
    expect(names(batches.next(1, 1))).to.deep.equal(['h', 'a', 'b']);
    expect(names(batches.next(1, 1))).to.deep.equal(['c', 'd']);
    expect(batches.next(1, 1)).to.equal(undefined);
    expect(batches.size).to.equal(0);
  });

  it('gives nothing without a free slot; a weight counts as batch units, not slots', () => {
    const { batches } = former(4);
    batches.offer(task('a', { weight: 3 }));
    batches.offer(task('b', { weight: 2 }));
    expect(batches.next(0, 1)).to.equal(undefined);
    expect(names(batches.peek(1, 1))).to.equal('a');
    expect(names(batches.next(1, 1))).to.deep.equal(['a']);
    expect(names(batches.next(1, 1))).to.deep.equal(['b']);
  });

  it('gives a task of another handler alone, and closes a batch before it', () => {
    const { batches } = former(5);
    batches.offer(task('a'));
    batches.offer(task('run', { settings: OTHER }));
    batches.offer(task('b'));
    expect(names(batches.next(1, 1))).to.deep.equal(['a']);
    expect(names(batches.next(1, 1))).to.equal('run');
    expect(names(batches.next(1, 1))).to.deep.equal(['b']);
  });

  it('a forming batch takes arrivals and requeued retries, and closes when full', () => {
    const { batches, closed } = former(3, 10);
    batches.offer(task('a'));
    const batch = batches.next(1, 1) as TaskBatch<string, string>;
    expect(batch.forming).to.equal(true);
    expect(batches.current).to.equal(batch);
    batches.requeue(task('retry'));
    expect(closed).to.deep.equal([]);
    batches.offer(task('b'));
    expect(closed).to.deep.equal([['a', 'retry', 'b']]);
    expect(batch.forming).to.equal(false);
    expect(batches.current).to.equal(undefined);
  });

  it('a forming batch closes after maxWaitMs, or at once by close()', () => {
    const { scheduler, batches, closed } = former(3, 10);
    batches.offer(task('a'));
    batches.next(1, 1);
    scheduler.flush();
    expect(closed).to.deep.equal([['a']]);
    expect(scheduler.now()).to.equal(10);
    batches.offer(task('b'));
    batches.next(1, 1);
    batches.close();
    expect(closed).to.deep.equal([['a'], ['b']]);
    batches.close(); // nothing forms: nothing happens
    expect(closed).to.have.length(2);
  });

  it('marks the tasks it takes as forming, and releases each item’s key at the end', () => {
    const { batches, channel } = former(3);
    channel.setKeyLimit('k', 2);
    for (const name of ['a', 'b', 'c']) batches.offer(task(name, { key: 'k' }));
    const batch = batches.next(1, 1) as TaskBatch<string, string>;
    // The key's limit counts items: two of them.
    expect(names(batch)).to.deep.equal(['a', 'b']);
    expect(batch.items.every((t) => t.state === TaskState.Forming)).to.equal(true);
    expect(batches.next(1, 1)).to.equal(undefined);
    batches.release(batch);
    expect(names(batches.next(1, 1))).to.deep.equal(['c']);
  });
});
