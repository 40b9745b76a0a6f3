import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { DuplicateTaskIdError } from '../../lib/errors/duplicate-task-id-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { newTestScheduler, poolOn, silent } from '../support/pool-fixtures';
import type { TaskResult } from '../../lib/task/task';

/** A handler whose calls stay running until released, one by one. */
function controlled() {
  const releases = new Map<number, () => void>();
  const handler = (n: number) =>
    new Promise<number>((resolve) => releases.set(n, () => resolve(n)));
  return { handler, release: (n: number) => releases.get(n)?.() };
}

describe('WorkerPool hardening', () => {
  describe('task ids are unique among live tasks', () => {
    it('refuses a caller id that is live, and takes it again once that task ended', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      pool.pause();
      const first = pool.submit(1, { id: 'job-7' });
      const error = await pool.submit(2, { id: 'job-7' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DuplicateTaskIdError);
      expect((error as DuplicateTaskIdError).taskId).to.equal('job-7');
      pool.resume();
      expect(await first).to.equal(1);
      expect(await pool.submit(3, { id: 'job-7' })).to.equal(3);
      await pool.shutdown();
    });

    it('generated ids never take a live caller id, and a caller cannot take a live generated id', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const ids: string[] = [];
      pool.results$.subscribe((r) => ids.push(r.task.id));
      pool.pause();
      const callers = [pool.submit(10, { id: '2' }), pool.submit(11, { id: '3' })];
      const generated = [pool.submit(1), pool.submit(2), pool.submit(3)];
      // Generated task 1 is live: a caller may not claim its id.
      expect(await pool.submit(12, { id: '1' }).catch((e: unknown) => e)).to.be.instanceOf(
        DuplicateTaskIdError,
      );
      pool.resume();
      await Promise.all([...callers, ...generated]);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids.sort()).to.deep.equal(['1', '2', '3', '4', '5'].sort());
      await pool.shutdown();
    });
  });
});

describe('WorkerPool queue management (what p-queue users reach for)', () => {
  it('size counts waiting tasks (backoff included), pending the running ones', async () => {
    const scheduler = new VirtualTimeScheduler();
    let calls = 0;
    const pool = new WorkerPool<number, number>({
      logger: silent,
      scheduler,
      concurrency: 1,
      retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 10, maxMs: 10 } },
      handler: (n) => {
        calls++;
        if (n === 0 && calls === 1) throw new Error('retry me');
        return new Promise<number>(() => undefined);
      },
    });
    expect([pool.size, pool.pending]).to.deep.equal([0, 0]);
    void pool.submit(0).catch(() => undefined); // fails at once, then waits 10 ms in backoff
    void pool.submit(1).catch(() => undefined); // starts and never ends
    void pool.submit(2).catch(() => undefined); // queued
    expect([pool.size, pool.pending]).to.deep.equal([2, 1]);
    void pool.shutdown({ timeoutMs: 0 });
    scheduler.flush();
  });

  it('clear() cancels every waiting task, not running ones, and says how many', async () => {
    const { handler, release } = controlled();
    const pool = new WorkerPool<number, number>({ logger: silent, handler, concurrency: 1 });
    const results: TaskResult<number, number>[] = [];
    pool.results$.subscribe((r) => results.push(r));
    const running = pool.submit(1);
    const waiting = [pool.submit(2), pool.submit(3)].map((p) => p.catch((e: unknown) => e));
    expect(pool.clear()).to.equal(2);
    expect(pool.size).to.equal(0);
    for (const error of await Promise.all(waiting)) {
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect((error as TaskCancelledError).reason).to.equal('cleared');
    }
    release(1);
    expect(await running).to.equal(1);
    expect(results.map((r) => `${r.task.input}:${r.status}`)).to.deep.equal([
      '2:cancelled',
      '3:cancelled',
      '1:succeeded',
    ]);
    expect(pool.clear()).to.equal(0);
    await pool.shutdown();
  });

  it('cancel(id) ends a waiting task at once and aborts a running one; false for unknown ids', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 1,
      handler: (n, { signal }) =>
        new Promise<number>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
    });
    const running = pool.submit(1, { id: 'a' }).catch((e: unknown) => e);
    const queued = pool.submit(2).catch((e: unknown) => e); // generated id '1'
    expect(pool.cancel('1')).to.equal(true);
    expect(await queued).to.be.instanceOf(TaskCancelledError);
    expect(pool.cancel('a')).to.equal(true);
    expect(await running).to.be.instanceOf(TaskCancelledError);
    expect(pool.cancel('a')).to.equal(false);
    expect(pool.cancel('nope')).to.equal(false);
    expect(pool.metrics().cancelled).to.equal(2);
    await pool.shutdown();
  });

  it('setPriority(id) moves a queued task to the back of another level, its wait counted from submission', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, flush }) => {
      const pool = poolOn<string, string>(scheduler, {
        concurrency: 1,
        handler: (v) => cold('-----(v|)', { v }),
      });
      const order: string[] = [];
      const waits = new Map<string, number>();
      pool.results$.subscribe((r) => {
        order.push(r.task.input);
        waits.set(r.task.input, r.waitMs);
      });
      for (const v of ['first', 'a', 'b', 'late']) {
        void pool.submit(v, { id: v, priority: v === 'late' ? 'low' : 'normal' });
      }
      scheduler.schedule(() => {
        expect(pool.setPriority('late', 'critical')).to.equal(true);
        // Running or unknown: not movable.
        expect(pool.setPriority('first', 'low')).to.equal(false);
        expect(pool.setPriority('nope', 'low')).to.equal(false);
      }, 2);
      flush();
      expect(order).to.deep.equal(['first', 'late', 'a', 'b']);
      // 'late' waited from 0 (its submission) to 5, not from its move at 2.
      expect(waits.get('late')).to.equal(5);
      expect(pool.metrics().queuedByPriority).to.deep.equal({
        critical: 0,
        high: 0,
        normal: 0,
        low: 0,
      });
      void pool.shutdown();
    });
  });

  it('setPriority() refuses a bad priority with the option named', () => {
    const pool = new WorkerPool({ logger: silent });
    expect(() => pool.setPriority('x', 'urgent' as never)).to.throw(TypeError, '`priority`');
    void pool.shutdown();
  });
});
