import { expect } from 'chai';
import sinon from 'sinon';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import pino from 'pino';
import { Writable } from 'node:stream';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import { PoolClosedError } from '../../lib/errors/pool-closed-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import type { TaskResult } from '../../lib/task/task';
import { silent } from '../support/pool-fixtures';

/** A handler that resolves after `ms` fake-timer ms, or rejects when its signal aborts. */
const sleepy =
  (ms: number) =>
  (n: number, { signal }: { signal: AbortSignal }): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(n), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });

describe('WorkerPool shutdown', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('drains: queued tasks still run, then results$ and metrics$ complete', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 1,
      handler: sleepy(10),
    });
    const results = lastValueFrom(pool.results$.pipe(toArray()));
    const metricsDone = new Promise<void>((resolve) =>
      pool.metrics$.subscribe({ complete: resolve }),
    );
    const values = [1, 2, 3].map((n) => pool.submit(n));
    const report = pool.shutdown();
    expect(await pool.submit(4).catch((e: unknown) => e)).to.be.instanceOf(PoolClosedError);
    const named = (await pool
      .submit(5, { id: 'late-5' })
      .catch((e: unknown) => e)) as PoolClosedError;
    expect([named.taskId, named.message]).to.deep.equal([
      'late-5',
      'The pool is shutting down: task late-5 refused',
    ]);
    await clock.tickAsync(30);
    const r = await report;
    expect(await Promise.all(values)).to.deep.equal([1, 2, 3]);
    expect(r).to.deep.include({
      completed: 3,
      cancelled: [],
      aborted: [],
      rejected: 0,
      timedOut: false,
      durationMs: 30,
    });
    expect((await results).map((x) => x.status)).to.deep.equal([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    await metricsDone;
  });

  it('at the deadline aborts running tasks and cancels queued ones, listing them with their inputs', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 1,
      handler: sleepy(100),
    });
    const outcomes = [1, 2, 3].map((n) =>
      pool.submit(n).catch((e: TaskCancelledError) => `${e.name}:${e.reason}`),
    );
    const report = pool.shutdown({ timeoutMs: 50 });
    await clock.tickAsync(50);
    const r = await report;
    expect(r.timedOut).to.equal(true);
    expect(r.aborted.map((t) => t.input)).to.deep.equal([1]);
    expect(r.cancelled.map((t) => t.input)).to.deep.equal([2, 3]);
    expect(r.completed).to.equal(0);
    expect(JSON.parse(JSON.stringify(r.cancelled[0]))).to.deep.equal({
      id: '2',
      input: 2,
      priority: 1,
      submittedAt: 0,
    });
    expect(await Promise.all(outcomes)).to.deep.equal([
      'TaskCancelledError:shutdown',
      'TaskCancelledError:shutdown',
      'TaskCancelledError:shutdown',
    ]);
  });

  it('waits for aborted handlers to stop (up to abortGraceMs) before it resolves', async () => {
    let stopped = false;
    const pool = new WorkerPool<number, number>({
      logger: silent,
      abortGraceMs: 20,
      handler: () => new Promise<number>(() => undefined), // ignores its signal
    });
    void pool.submit(1).catch(() => undefined);
    const report = pool.shutdown({ timeoutMs: 10 }).then((r) => ((stopped = true), r));
    await clock.tickAsync(10);
    expect(stopped).to.equal(false);
    await clock.tickAsync(20);
    expect((await report).aborted).to.have.length(1);
  });

  it('a forced shutdown of a paused pool starts nothing: every queued task is cancelled', async () => {
    let calls = 0;
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 4,
      handler: async (n) => (calls++, n),
    });
    pool.pause();
    [1, 2, 3].forEach((n) => void pool.submit(n).catch(() => undefined));
    const r = await pool.shutdown({ force: true });
    expect([calls, r.aborted.length, r.cancelled.length]).to.deep.equal([0, 0, 3]);
  });

  it('cancels a backlog larger than a call stack holds arguments (300k queued)', async () => {
    // Spreading the removed tasks into push() overflowed the stack past ~120k.
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 4,
      handler: async (n) => n,
    });
    pool.pause();
    const n = 300_000;
    const errors = { count: 0 };
    for (let i = 0; i < n; i++) void pool.submit(i).catch(() => errors.count++);
    const r = await pool.shutdown({ force: true });
    expect([r.cancelled.length, r.cancelled[n - 1].input]).to.deep.equal([n, n - 1]);
    await clock.runAllAsync();
    expect(errors.count).to.equal(n);
  });

  it('counts tasks their caller cancelled before shutdown as withdrawn, not completed', async () => {
    const pool = new WorkerPool<number, number>({ logger: silent, handler: async (n) => n });
    const controller = new AbortController();
    pool.pause();
    void pool.submit(1, { signal: controller.signal }).catch(() => undefined);
    await pool.submit(2, { signal: AbortSignal.abort() }).catch(() => undefined);
    controller.abort();
    pool.resume();
    await pool.submit(3);
    const r = await pool.shutdown();
    expect([r.completed, r.withdrawn, r.cancelled.length]).to.deep.equal([1, 2, 0]);
  });

  it('force and timeoutMs: 0 skip the drain', async () => {
    for (const options of [{ force: true }, { timeoutMs: 0 }]) {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        concurrency: 1,
        abortGraceMs: 0,
        handler: sleepy(100),
      });
      [1, 2].forEach((n) => void pool.submit(n).catch(() => undefined));
      const r = await pool.shutdown(options);
      expect([r.aborted.length, r.cancelled.length, r.durationMs]).to.deep.equal([1, 1, 0]);
    }
  });

  it('without timeoutMs uses options.shutdown.timeoutMs, else waits for the drain', async () => {
    const bounded = new WorkerPool<number, number>({
      logger: silent,
      shutdown: { timeoutMs: 5 },
      handler: sleepy(100),
    });
    void bounded.submit(1).catch(() => undefined);
    const p1 = bounded.shutdown();
    await clock.tickAsync(5);
    expect((await p1).timedOut).to.equal(true);

    const unbounded = new WorkerPool<number, number>({ logger: silent, handler: sleepy(1000) });
    void unbounded.submit(1);
    const p2 = unbounded.shutdown();
    await clock.tickAsync(1000);
    expect(await p2).to.deep.include({ timedOut: false, completed: 1 });
  });

  it('counts tasks waiting out a retry backoff as queued: cancelled at the deadline', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      retry: { maxAttempts: 3, backoff: new FixedBackoff({ initialMs: 1000, jitter: 'none' }) },
      handler: () => Promise.reject(new Error('transient')),
    });
    const outcome = pool.submit(1).catch((e: Error) => e);
    await clock.tickAsync(1);
    const report = pool.shutdown({ timeoutMs: 10 });
    await clock.tickAsync(10);
    const r = await report;
    expect(r.cancelled.map((t) => t.input)).to.deep.equal([1]);
    expect(await outcome).to.be.instanceOf(TaskCancelledError);
  });

  it('no retry starts after the deadline', async () => {
    let calls = 0;
    const pool = new WorkerPool<number, number>({
      logger: silent,
      abortGraceMs: 0,
      retry: { maxAttempts: 5, backoff: new FixedBackoff({ initialMs: 0, jitter: 'none' }) },
      handler: (_n, { signal }) => {
        calls++;
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped'))),
        );
      },
    });
    void pool.submit(1).catch(() => undefined);
    const r = await pool.shutdown({ timeoutMs: 0 });
    await clock.tickAsync(100);
    expect(calls).to.equal(1);
    expect(r.aborted).to.have.length(1);
  });

  it('runs cleanup callbacks after the drain, last registered first; a failing or hanging one does not stop the rest', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()).msg);
          done();
        },
      }),
    );
    const order: string[] = [];
    const pool = new WorkerPool<number, number>({
      logger,
      shutdown: { cleanupTimeoutMs: 100 },
      handler: sleepy(10),
    });
    void pool.submit(1).then(() => order.push('task'));
    pool.onShutdown(function first() {
      order.push('first');
    });
    pool.onShutdown(function hangs() {
      order.push('hangs');
      return new Promise<void>(() => undefined);
    });
    pool.onShutdown(async function fails() {
      order.push('fails');
      throw new Error('cleanup boom');
    });
    const report = pool.shutdown();
    await clock.tickAsync(10);
    await clock.tickAsync(100);
    const r = await report;
    expect(order).to.deep.equal(['task', 'fails', 'hangs', 'first']);
    expect(r.cleanup.map((c) => [c.name, c.status])).to.deep.equal([
      ['fails', 'failed'],
      ['hangs', 'timed-out'],
      ['first', 'ok'],
    ]);
    expect(lines).to.include.members(['shutdown cleanup failed', 'shutdown cleanup timed out']);
  });

  it('gives cleanup callbacks the drain report, so they can persist what never ran', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 1,
      abortGraceMs: 0,
      handler: sleepy(100),
    });
    [1, 2, 3].forEach((n) => void pool.submit(n).catch(() => undefined));
    let persisted: number[] = [];
    pool.onShutdown(({ cancelled, aborted, timedOut }) => {
      expect(timedOut).to.equal(true);
      persisted = [...aborted, ...cancelled].map((task) => task.input);
    });
    const report = pool.shutdown({ timeoutMs: 10 });
    await clock.tickAsync(10);
    await report;
    expect(persisted).to.deep.equal([1, 2, 3]);
  });

  it('returns the same promise when called twice; a forced second call cuts the drain short', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      abortGraceMs: 0,
      handler: sleepy(1000),
    });
    void pool.submit(1).catch(() => undefined);
    const first = pool.shutdown();
    expect(pool.shutdown()).to.equal(first);
    expect(pool.shutdown({ force: true })).to.equal(first);
    const r = await first;
    expect(r.aborted).to.have.length(1);
  });

  it('completes every process() stream, even one whose source never completes', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 2,
      handler: sleepy(10),
    });
    const source = new Subject<number>();
    const streamed = lastValueFrom(pool.process(source).pipe(toArray()));
    source.next(1);
    source.next(2);
    const report = pool.shutdown();
    source.next(3); // after shutdown began: not taken
    await clock.tickAsync(10);
    expect((await streamed).map((r: TaskResult<number, number>) => r.task.input)).to.deep.equal([
      1, 2,
    ]);
    expect((await report).completed).to.equal(2);
  });

  it('treats Infinity as no deadline for a task timeout and a shutdown timeout', async () => {
    const pool = new WorkerPool<number, number>({ logger: silent, handler: sleepy(200) });
    const value = pool.submit(1, { timeoutMs: Infinity });
    const report = pool.shutdown({ timeoutMs: Infinity });
    await clock.tickAsync(199);
    expect(pool.metrics().active).to.equal(1); // no 1 ms timer fired
    await clock.tickAsync(1);
    expect(await value).to.equal(1);
    expect(await report).to.deep.include({ completed: 1, timedOut: false });
  });

  it('metrics$ subscribed after shutdown completes at once (no timer left running)', async () => {
    const pool = new WorkerPool({ logger: silent, metrics: { intervalMs: 10 } });
    await pool.shutdown();
    let completed = false;
    pool.metrics$.subscribe({ complete: () => (completed = true) });
    expect(completed).to.equal(true);
    expect(clock.countTimers()).to.equal(0);
  });

  it('shuts down a pool that never ran a task', async () => {
    const pool = new WorkerPool({ logger: silent });
    await pool.onIdle();
    expect(await pool.shutdown()).to.deep.include({ completed: 0, timedOut: false, durationMs: 0 });
  });
});

describe('WorkerPool hardening', () => {
  describe('onShutdown() too late', () => {
    it('throws PoolClosedError once cleanups have run, instead of never running the callback', async () => {
      const pool = new WorkerPool({ logger: silent });
      await pool.shutdown();
      expect(() => pool.onShutdown(() => undefined)).to.throw(PoolClosedError);
    });

    it('still runs a callback registered while the pool drains', async () => {
      let release!: () => void;
      const pool = new WorkerPool<number, void>({
        logger: silent,
        handler: () => new Promise<void>((resolve) => (release = resolve)),
      });
      void pool.submit(1);
      const done = pool.shutdown();
      let ran = false;
      pool.onShutdown(() => {
        ran = true;
      });
      release();
      await done;
      expect(ran).to.equal(true);
    });
  });
});
