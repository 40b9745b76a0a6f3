import { expect } from 'chai';
import sinon from 'sinon';
import { defer, throwError, timer, map, VirtualTimeScheduler } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import { NonRetryableError } from '../../lib/errors/non-retryable-error';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import type { TaskResult } from '../../lib/task/task';
import { newTestScheduler, poolOn, recordResults, silent } from '../support/pool-fixtures';
import { MB, heapAfterGc } from '../support/heap';

const fixed = (ms: number) => new FixedBackoff({ initialMs: ms, jitter: 'none' });

describe('WorkerPool resilience', () => {
  describe('timeouts', () => {
    it('aborts ctx.signal with a TaskTimeoutError and frees the slot when the handler stops', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const reasons: unknown[] = [];
        const pool = poolOn<number, number>(scheduler, {
          concurrency: 1,
          timeoutMs: 5,
          retry: { maxAttempts: 1 },
          handler: (n, { signal }) => {
            signal.addEventListener('abort', () => reasons.push(signal.reason));
            return cold(n === 1 ? '----------(n|)' : '-(n|)', { n });
          },
        });
        const seen = recordResults(
          scheduler,
          pool.results$,
          (r) => `${r.task.input}:${r.status}:${r.error?.name}`,
        );
        pool.submit(1).catch(() => undefined);
        pool.submit(2);
        scheduler.flush();
        expect(seen).to.deep.equal(['5:1:failed:TaskTimeoutError', '6:2:succeeded:undefined']);
        expect(reasons).to.have.length(1);
        expect(reasons[0]).to.be.instanceOf(TaskTimeoutError);
        expect((reasons[0] as TaskTimeoutError).timeoutMs).to.equal(5);
        expect(pool.metrics().timeouts).to.equal(1);
      });
    });

    it('per-task timeoutMs overrides the pool’s, and timeouts are retried by default', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        let calls = 0;
        const pool = poolOn<number, number>(scheduler, {
          timeoutMs: 100,
          retry: { maxAttempts: 3, backoff: fixed(10) },
          handler: (n) => {
            calls++;
            return cold(calls < 3 ? '-------(n|)' : '-(n|)', { n });
          },
        });
        const seen = recordResults(
          scheduler,
          pool.results$,
          (r) => `${r.status}:${r.attempts}:${r.errors?.length}`,
        );
        pool.submit(7, { timeoutMs: 3 });
        scheduler.flush();
        // attempt 1: 0..3 timeout; backoff 10; attempt 2: 13..16 timeout; backoff; attempt 3: 26..27.
        expect(seen).to.deep.equal(['27:succeeded:3:2']);
      });
    });

    it('gives up on a handler that ignores its signal after abortGraceMs and says so', async () => {
      const clock = sinon.useFakeTimers();
      try {
        let finish!: () => void;
        const pool = new WorkerPool<number, number>({
          logger: silent,
          concurrency: 1,
          timeoutMs: 100,
          abortGraceMs: 50,
          retry: { maxAttempts: 1 },
          handler: (n) => new Promise<number>((resolve) => (finish = () => resolve(n))), // ignores the signal
        });
        const results: TaskResult<number, number>[] = [];
        pool.results$.subscribe((r) => results.push(r));
        const first = pool.submit(1).catch((e: Error) => e);
        const second = pool.submit(2, { timeoutMs: 1000 });
        await clock.tickAsync(100);
        // Timed out, but the handler still runs: it keeps its slot during the grace.
        expect(pool.metrics().active).to.equal(1);
        expect(results).to.have.length(0);
        await clock.tickAsync(50);
        expect(results.map((r) => [r.status, r.abandoned])).to.deep.equal([['failed', true]]);
        expect(await first).to.be.instanceOf(TaskTimeoutError);
        expect(pool.metrics().abandoned).to.equal(1); // still running, slot given back
        finish(); // second's handler
        expect(await second).to.equal(2);
        await pool.shutdown();
      } finally {
        clock.restore();
      }
    });

    it('a handler that honours its signal frees the slot as soon as it stops', async () => {
      const clock = sinon.useFakeTimers();
      try {
        const pool = new WorkerPool<number, number>({
          logger: silent,
          concurrency: 1,
          timeoutMs: 100,
          abortGraceMs: 10_000,
          retry: { maxAttempts: 1 },
          handler: (n, { signal }) =>
            new Promise<number>((resolve, reject) => {
              const t = setTimeout(() => resolve(n), 1_000);
              signal.addEventListener('abort', () => {
                clearTimeout(t);
                reject(signal.reason);
              });
            }),
        });
        const results: TaskResult<number, number>[] = [];
        pool.results$.subscribe((r) => results.push(r));
        void pool.submit(1).catch(() => undefined);
        await clock.tickAsync(100);
        expect(results.map((r) => [r.status, r.abandoned, r.runMs])).to.deep.equal([
          ['failed', undefined, 100],
        ]);
        expect(pool.metrics().active).to.equal(0);
        await pool.shutdown();
      } finally {
        clock.restore();
      }
    });
  });

  describe('retries', () => {
    it('maxAttempts: 3 calls the handler exactly 3 times and rejects with the last error', async () => {
      let calls = 0;
      const pool = new WorkerPool<number, number>({
        logger: silent,
        retry: { maxAttempts: 3, backoff: fixed(0) },
        handler: async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
      });
      const results: TaskResult<number, number>[] = [];
      pool.results$.subscribe((r) => results.push(r));
      const error = (await pool.submit(1).catch((e: Error) => e)) as Error;
      expect(calls).to.equal(3);
      expect(error.message).to.equal('failure 3');
      expect(results[0].attempts).to.equal(3);
      expect(results[0].errors?.map((e) => e.message)).to.deep.equal([
        'failure 1',
        'failure 2',
        'failure 3',
      ]);
      expect(pool.metrics().retries).to.equal(2);
      await pool.shutdown();
    });

    it('ctx.preventRetry() makes the attempt the last, whether it throws or times out', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold, flush }) => {
        let calls = 0;
        const pool = poolOn<string, string>(scheduler, {
          timeoutMs: 5,
          retry: { maxAttempts: 3, backoff: fixed(1) },
          handler: (kind, ctx) => {
            calls++;
            ctx.preventRetry?.();
            return kind === 'throw'
              ? throwError(() => new Error('sent once'))
              : cold('-----------|');
          },
        });
        const seen = recordResults(
          scheduler,
          pool.results$,
          (r) => `${r.task.input}:${r.status}:${r.attempts}:${r.error?.name}`,
        );
        void pool.submit('throw').catch(() => {});
        void pool.submit('hang').catch(() => {});
        flush();
        expect(calls).to.equal(2);
        expect(seen).to.deep.equal(['0:throw:failed:1:Error', '5:hang:failed:1:TaskTimeoutError']);
      });
    });

    it('fails at once on a NonRetryableError or when retryIf says no', async () => {
      let calls = 0;
      const pool = new WorkerPool<string, never>({
        logger: silent,
        retry: {
          maxAttempts: 5,
          backoff: fixed(0),
          retryIf: (error) => !(error as Error).message.includes('fatal'),
        },
        handler: async (kind) => {
          calls++;
          throw kind === 'nonretryable' ? new NonRetryableError('bad input') : new Error('fatal');
        },
      });
      await pool.submit('nonretryable').catch(() => undefined);
      expect(calls).to.equal(1);
      await pool.submit('retryIf').catch(() => undefined);
      expect(calls).to.equal(2);
      await pool.shutdown();
    });

    it('a task waiting out its backoff holds no slot: one failing task does not halve throughput', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<string, string>(scheduler, {
          concurrency: 2,
          retry: { maxAttempts: 2, backoff: fixed(10_000) },
          handler: (v, { attempt }) =>
            v === 'flaky' && attempt === 1
              ? cold('-#', {}, new Error('flaky'))
              : cold('--(v|)', { v }),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => String(r.task.input));
        void pool.submit('flaky');
        for (let i = 0; i < 6; i++) void pool.submit(`t${i}`);
        scheduler.flush();
        // flaky fails at t1 and frees its slot; t0..t5 then run two at a time from t1 on
        // (the same as with no failing task at all); flaky's retry runs at t10001.
        expect(seen).to.deep.equal(['2:t0', '3:t1', '4:t2', '5:t3', '6:t4', '7:t5', '10003:flaky']);
        expect(pool.metrics().queued).to.equal(0);
      });
    });

    it('a retried task goes ahead of newer tasks of its priority', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<string, string>(scheduler, {
          concurrency: 1,
          retry: { maxAttempts: 2, backoff: fixed(1) },
          handler: (v, { attempt }) =>
            v === 'retry' && attempt === 1 ? cold('-#') : cold('--(v|)', { v }),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => String(r.task.input));
        void pool.submit('retry');
        void pool.submit('a');
        void pool.submit('b');
        scheduler.flush();
        // retry fails at 1, a runs 1..3; retry is back in the queue at 2, ahead of b.
        expect(seen).to.deep.equal(['3:a', '5:retry', '7:b']);
      });
    });

    it('counts tasks in backoff as queued in the metrics', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<string, string>(scheduler, {
          retry: { maxAttempts: 2, backoff: fixed(100) },
          handler: (_v, { attempt }) => (attempt === 1 ? cold('-#') : cold('-(v|)', { v: 'ok' })),
        });
        void pool.submit('x', { priority: 'high' });
        scheduler.schedule(() => {
          const m = pool.metrics();
          expect([m.queued, m.queuedByPriority.high, m.active]).to.deep.equal([1, 1, 0]);
        }, 50);
        scheduler.flush();
      });
    });
  });

  describe('caller cancellation', () => {
    it('ends a task whose signal is already aborted as cancelled at once', async () => {
      let calls = 0;
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler: async (n) => (calls++, n),
      });
      const error = await pool
        .submit(1, { signal: AbortSignal.abort('stop') })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect((error as TaskCancelledError).reason).to.equal('caller');
      expect(calls).to.equal(0);
      expect(pool.metrics().cancelled).to.equal(1);
      await pool.shutdown();
    });

    it('cancels a queued task and aborts a running one', async () => {
      const controller = new AbortController();
      const seen: string[] = [];
      const pool = new WorkerPool<string, string>({
        logger: silent,
        concurrency: 1,
        handler: (v, { signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              seen.push(`${v} aborted`);
              reject(signal.reason);
            }),
          ),
      });
      const running = pool
        .submit('running', { signal: controller.signal })
        .catch((e: TaskCancelledError) => e.reason);
      const queued = pool
        .submit('queued', { signal: controller.signal })
        .catch((e: TaskCancelledError) => e.reason);
      controller.abort();
      expect(await running).to.equal('caller');
      expect(await queued).to.equal('caller');
      expect(seen).to.deep.equal(['running aborted']);
      await pool.shutdown();
    });

    it('cancels a task waiting out its backoff', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const controller = new AbortController();
        const pool = poolOn<string, string>(scheduler, {
          retry: { maxAttempts: 2, backoff: fixed(100) },
          handler: () => cold('-#'),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => `${r.status}:${r.attempts}`);
        void pool.submit('x', { signal: controller.signal }).catch(() => undefined);
        scheduler.schedule(() => controller.abort(), 50);
        scheduler.flush();
        expect(seen).to.deep.equal(['50:cancelled:1']);
      });
    });

    it('runs 100,000 tasks on one caller signal without a listener leak warning', async () => {
      const warn = sinon.spy(process, 'emitWarning');
      try {
        const controller = new AbortController();
        const pool = new WorkerPool<number, number>({
          logger: silent,
          concurrency: 64,
          handler: async (n) => n,
        });
        const all: Promise<number>[] = [];
        for (let i = 0; i < 100_000; i++) all.push(pool.submit(i, { signal: controller.signal }));
        await Promise.all(all);
        expect(warn.callCount).to.equal(0);
        await pool.shutdown();
      } finally {
        warn.restore();
      }
    });
  });

  it('Observable handlers are unsubscribed on abort', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, expectSubscriptions }) => {
      const inner = cold('------(v|)', { v: 1 });
      const pool = poolOn<number, number>(scheduler, {
        timeoutMs: 3,
        retry: { maxAttempts: 1 },
        handler: () => inner,
      });
      void pool.submit(1).catch(() => undefined);
      scheduler.flush();
      expectSubscriptions(inner.subscriptions).toBe('^--!');
    });
  });

  it('imports used in pipelines', () => {
    expect([defer, throwError, timer, map].every((f) => typeof f === 'function')).to.equal(true);
  });
});

describe('WorkerPool hardening', () => {
  describe('handlers that misbehave', () => {
    it('a thenable whose then() throws fails the attempt: no uncaught exception, shutdown resolves', async () => {
      const hostile = {
        then() {
          throw new Error('then exploded');
        },
      };
      const pool = new WorkerPool<number, unknown>({
        logger: silent,
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 0, maxMs: 0 } },
        handler: () => hostile as unknown as Promise<unknown>,
      });
      const error = await pool.submit(1).catch((e: Error) => e);
      expect((error as Error).message).to.equal('then exploded');
      expect(pool.metrics().retries).to.equal(1);
      const report = await pool.shutdown();
      expect(report.completed).to.equal(1);
    });
  });

  describe('attempts that settle synchronously', () => {
    it('a handler that settles synchronously on abort, then is cancelled in backoff, runs once and ends once', async () => {
      // Its retry's backoff timer used to be overwritten by an abort-grace timer: cancelling the
      // task in backoff stopped the wrong timer, and the task ran again with a second result.
      const scheduler = new VirtualTimeScheduler();
      const controller = new AbortController();
      let calls = 0;
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        timeoutMs: 10,
        abortGraceMs: 100,
        retry: { maxAttempts: 3, backoff: { strategy: 'fixed', initialMs: 50, maxMs: 50 } },
        handler: (_n, { signal }) => {
          calls++;
          return {
            then(_ok: (v: number) => void, fail: (e: unknown) => void) {
              signal.addEventListener('abort', () => fail(signal.reason));
            },
          } as unknown as Promise<number>;
        },
      });
      const results: string[] = [];
      pool.results$.subscribe((r) => results.push(r.status));
      const settled = pool.submit(1, { signal: controller.signal }).catch((e: unknown) => e);
      scheduler.schedule(() => controller.abort(), 20);
      scheduler.flush();
      expect(await settled).to.be.instanceOf(TaskCancelledError);
      expect(calls).to.equal(1);
      expect(results).to.deep.equal(['cancelled']);
      void pool.shutdown();
      scheduler.flush();
    });
  });
});

describe('WorkerPool memory stays bounded', function () {
  this.timeout(30_000);

  it('tasks cancelled by their caller while queued are freed without waiting for their turn', async () => {
    const pool = new WorkerPool<{ payload: string }, number>({ logger: silent, handler: () => 1 });
    pool.pause();
    // One task stays queued at the same level, so nothing is ever dequeued.
    const keeper = pool.submit({ payload: 'keep' }).catch(() => 0);
    const before = heapAfterGc();
    const tasks = 20_000;
    const controllers: AbortController[] = [];
    const settled: Promise<unknown>[] = [];
    for (let i = 0; i < tasks; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      // ~1 KB of input per task: 20 MB held while queued.
      const payload = `${i}`.padEnd(1024, '.');
      settled.push(pool.submit({ payload }, { signal: controller.signal }).catch(() => 0));
    }
    for (const controller of controllers) controller.abort();
    await Promise.all(settled);
    controllers.length = 0;
    settled.length = 0;
    const grown = heapAfterGc() - before;
    expect(pool.metrics().queued).to.equal(1);
    // Held until their turn, they used to cost ~56 MB here.
    expect(grown, `${(grown / MB).toFixed(1)} MB`).to.be.below(12 * MB);
    await pool.shutdown({ timeoutMs: 0 });
    await keeper;
  });
});
