import { expect } from 'chai';
import { CapacityWaiters } from '../../lib/channel/capacity-waiters';

describe('channel/capacity-waiters', () => {
  it('resolves at once when there is room, else in arrival order, one per free place', async () => {
    const waiters = new CapacityWaiters();
    const woken: string[] = [];
    await waiters.whenRoom(true);
    expect(waiters.waiting).to.equal(false);
    const all = ['a', 'b', 'c'].map((name) => waiters.whenRoom(false).then(() => woken.push(name)));
    expect(waiters.waiting).to.equal(true);
    waiters.notify(2);
    await Promise.all(all.slice(0, 2));
    expect(woken).to.deep.equal(['a', 'b']);
    waiters.notify(0);
    expect(waiters.waiting).to.equal(true);
    waiters.releaseAll();
    await all[2];
    expect(woken).to.deep.equal(['a', 'b', 'c']);
    expect(waiters.waiting).to.equal(false);
  });
});
