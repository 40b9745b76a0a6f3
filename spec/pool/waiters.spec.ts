import { expect } from 'chai';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { silent } from '../support/pool-fixtures';

/** A handler whose calls stay running until released, one by one. */
function controlled() {
  const releases = new Map<number, () => void>();
  const handler = (n: number) =>
    new Promise<number>((resolve) => releases.set(n, () => resolve(n)));
  return { handler, release: (n: number) => releases.get(n)?.() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkerPool hardening', () => {
  describe('waiters settle at shutdown', () => {
    it('every whenCapacity() and onIdle() waiter settles; none is left pending', async () => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler: (n) => n,
        queue: { capacity: 2 },
      });
      pool.pause();
      const queued = [pool.submit(1), pool.submit(2)].map((p) => p.catch(() => 'cut'));
      let settled = 0;
      const waiters = Array.from({ length: 200 }, () => pool.whenCapacity().then(() => settled++));
      const idle = pool.onIdle().then(() => settled++);
      await pool.shutdown({ timeoutMs: 0 });
      await Promise.all([...waiters, idle, ...queued]);
      expect(settled).to.equal(201);
    });
  });
});

describe('WorkerPool queue management (what p-queue users reach for)', () => {
  it('onEmpty() and onSizeLessThan(n) resolve when the queue shrinks, at once when it is small', async () => {
    const { handler, release } = controlled();
    const pool = new WorkerPool<number, number>({ logger: silent, handler, concurrency: 1 });
    await pool.onEmpty();
    await pool.onSizeLessThan(1);
    for (const n of [1, 2, 3, 4]) void pool.submit(n);
    const seen: string[] = [];
    void pool.onSizeLessThan(3).then(() => seen.push(`<3 at size ${pool.size}`));
    void pool.onEmpty().then(() => seen.push(`empty at size ${pool.size}`));
    await tick();
    expect(seen).to.deep.equal([]);
    release(1);
    await tick();
    expect(seen).to.deep.equal(['<3 at size 2']);
    release(2);
    await tick();
    release(3);
    await tick();
    expect(seen).to.deep.equal(['<3 at size 2', 'empty at size 0']);
    // Empty, though task 4 still runs.
    expect(pool.pending).to.equal(1);
    release(4);
    await pool.shutdown();
    expect(await pool.onSizeLessThan(NaN).catch((e: unknown) => e)).to.be.instanceOf(TypeError);
  });
});
