import { expect } from 'chai';
import { Priority } from '../../lib/task/priority';
import { TaskBatch } from '../../lib/pool/task-batch';
import { poolTask } from '../support/task-fixtures';

const task = (id: string, weight?: number) => poolTask(id, { weight });

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
