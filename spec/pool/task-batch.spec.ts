import { expect } from 'chai';
import { DEFAULT_RETRY, resolveRetry } from '../../lib/retry/retry-policy';
import { toPlacement } from '../../lib/task/placement';
import { Priority } from '../../lib/task/priority';
import { PoolTask } from '../../lib/pool/pool-task';
import { TaskBatch } from '../../lib/pool/task-batch';
import { silent } from '../support/pool-fixtures';

const task = (id: string, weight?: number) =>
  new PoolTask<string, string>(
    id,
    id,
    Priority.NORMAL,
    0,
    {
      handler: undefined,
      timeoutMs: undefined,
      retry: resolveRetry(DEFAULT_RETRY),
      signal: undefined,
      epoch: 0,
      group: undefined,
      logger: silent,
    },
    toPlacement(undefined, weight),
  );

describe('TaskBatch', () => {
  it('counts its items’ weights as units, and a leaving item gives its units back', () => {
    const batch = new TaskBatch<string, string>(Priority.HIGH);
    const heavy = task('heavy', 3);
    batch.add(task('light'));
    batch.add(heavy);
    expect(batch.units).to.equal(4);
    expect(batch.live).to.equal(2);
    batch.leave(heavy);
    expect(batch.units).to.equal(1);
    expect(batch.live).to.equal(1);
    // It stays listed: the scheduler gave it out, and takes it back with the batch.
    expect(batch.items.map((item) => item.id)).to.deep.equal(['light', 'heavy']);
  });

  it('is one slot with no key to the merge', () => {
    const batch = new TaskBatch<string, string>(Priority.LOW);
    expect([batch.priority, batch.key, batch.weight]).to.deep.equal([
      Priority.LOW,
      undefined,
      undefined,
    ]);
  });
});
