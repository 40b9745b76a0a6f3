import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import type { PoolEvent } from '../../lib/pool/pool-events';
import type { TaskResult } from '../../lib/task/task';
import { newTestScheduler, poolOn, silent } from '../support/pool-fixtures';

/** A handler whose calls stay running until released, one by one. */
function controlled() {
  const releases = new Map<number, () => void>();
  const handler = (n: number) =>
    new Promise<number>((resolve) => releases.set(n, () => resolve(n)));
  return { handler, release: (n: number) => releases.get(n)?.() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

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

  it('isRateLimited stays on through passes stopped by the concurrency limit or a pause', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, flush }) => {
      // 8 tasks of 5 ms, 2 starts per 100 ms, 1 slot: every pass after a task ends is stopped
      // by the slot or by the bucket; the bucket holds tasks back from the second start on.
      const pool = poolOn<number, number>(scheduler, {
        concurrency: 1,
        rateLimit: { limit: 2, intervalMs: 100 },
        handler: (n) => cold('-----(v|)', { v: n }),
      });
      const events: string[] = [];
      pool.events$.subscribe((e: PoolEvent) => {
        if (e.type === 'rate-limited' || e.type === 'rate-limit-cleared') {
          events.push(`${scheduler.now()}:${e.type}`);
        }
      });
      for (let n = 0; n < 8; n++) void pool.submit(n);
      const seen: boolean[] = [];
      for (const at of [1, 6, 11, 50, 101, 150, 210, 350]) {
        scheduler.schedule(() => seen.push(pool.isRateLimited), at);
      }
      pool.pause();
      scheduler.schedule(() => pool.resume(), 2);
      flush();
      // Limited from the first pass (the pool is paused before the bucket is touched: it is
      // not limited then) until the last task starts at 305 (starts: 0, 5, 100, 105, ..., 305).
      expect(seen).to.deep.equal([false, true, true, true, true, true, true, false]);
      expect(events).to.deep.equal(['5:rate-limited', '305:rate-limit-cleared']);
      void pool.shutdown();
    });
  });

  it('isRateLimited turns on while tasks wait for the rate limit, with one event per change', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, flush }) => {
      const pool = poolOn<number, number>(scheduler, {
        concurrency: 10,
        rateLimit: { limit: 1, intervalMs: 10 },
        handler: (n) => cold('-(v|)', { v: n }),
      });
      const events: string[] = [];
      pool.events$.subscribe((e: PoolEvent) => {
        if (e.type === 'rate-limited' || e.type === 'rate-limit-cleared') {
          events.push(`${scheduler.now()}:${e.type}:${pool.isRateLimited}`);
        }
      });
      expect(pool.isRateLimited).to.equal(false);
      for (const n of [1, 2, 3]) void pool.submit(n);
      expect(pool.isRateLimited).to.equal(true);
      flush();
      expect(pool.isRateLimited).to.equal(false);
      // Limited from the second task on; clear once the third could start at 20.
      expect(events).to.deep.equal(['0:rate-limited:true', '20:rate-limit-cleared:false']);
      void pool.shutdown();
    });
  });

  describe('hooks for sources that feed the pool', () => {
    it("taskState(id) is 'waiting', 'running' or undefined, for caller and generated ids", async () => {
      const { handler, release } = controlled();
      const pool = new WorkerPool<number, number>({ logger: silent, handler, concurrency: 1 });
      const first = pool.submit(1, { id: 'one' });
      void pool.submit(2, { id: 'two' });
      void pool.submit(3);
      expect(pool.taskState('one')).to.equal('running');
      expect(pool.taskState('two')).to.equal('waiting');
      expect(pool.taskState('1')).to.equal('waiting'); // the first generated id
      expect(pool.taskState('nope')).to.equal(undefined);
      release(1);
      await first;
      expect(pool.taskState('one')).to.equal(undefined);
      expect(pool.taskState('two')).to.equal('running');
      pool.clear();
      release(2);
      await pool.shutdown();
    });

    it('onShutdownStart runs synchronously when shutdown begins, before the drain; removable', async () => {
      const { handler, release } = controlled();
      const pool = new WorkerPool<number, number>({ logger: silent, handler });
      const seen: string[] = [];
      pool.onShutdownStart(() => seen.push(`start, ${pool.pending} running`));
      const removed = pool.onShutdownStart(() => seen.push('removed'));
      removed();
      pool.onShutdownStart(() => {
        throw new Error('a failing hook does not stop the others');
      });
      pool.onShutdownStart(() => seen.push('second'));
      void pool.submit(1);
      const done = pool.shutdown();
      expect(seen).to.deep.equal(['start, 1 running', 'second']);
      release(1);
      await done;
      // After shutdown began: called at once.
      pool.onShutdownStart(() => seen.push('late'));
      expect(seen).to.deep.equal(['start, 1 running', 'second', 'late']);
      expect(() => pool.onShutdownStart(42 as unknown as () => void)).to.throw(
        TypeError,
        /callback/,
      );
    });

    it('shutdownTimeoutMs is the configured drain deadline, undefined for none', async () => {
      const a = new WorkerPool({ logger: silent, shutdown: { timeoutMs: 5000 } });
      const b = new WorkerPool({ logger: silent, shutdown: { timeoutMs: Infinity } });
      const c = new WorkerPool({ logger: silent });
      expect([a.shutdownTimeoutMs, b.shutdownTimeoutMs, c.shutdownTimeoutMs]).to.deep.equal([
        5000,
        undefined,
        undefined,
      ]);
      await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()]);
    });
  });
});
