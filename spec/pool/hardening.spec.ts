import { expect } from 'chai';
import { BehaviorSubject, VirtualTimeScheduler, range, take, lastValueFrom, toArray } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { ConfigError } from '../../lib/errors/config-error';
import { DuplicateTaskIdError } from '../../lib/errors/duplicate-task-id-error';
import { PoolClosedError } from '../../lib/errors/pool-closed-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { MetricsRecorder } from '../../lib/metrics/metrics-recorder';
import { Priority } from '../../lib/task/priority';
import { HANDLER_LIFECYCLE } from '../../lib/pool/handler-lifecycle';
import { silent } from '../support/pool-fixtures';

/** Faults found by outside testing (issue "Hardening"), one spec each. */
describe('WorkerPool hardening', () => {
  describe('streams stop like RxJS streams', () => {
    it('a synchronous downstream take(1) stops a synchronous source: one handler runs, not 100,000', async () => {
      let calls = 0;
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler: (n) => (calls++, n),
      });
      const results = await lastValueFrom(pool.process(range(0, 1e5)).pipe(take(1), toArray()));
      expect(results.map((r) => r.value)).to.deep.equal([0]);
      expect(calls).to.equal(1);
      expect(pool.metrics().submitted).to.equal(1);
      await pool.shutdown();
    });
  });

  describe('concurrency: Infinity, like mergeMap', () => {
    it('is accepted as a number, by setConcurrency and from a concurrency Observable', async () => {
      const started: number[] = [];
      const handler = (n: number) => {
        started.push(n);
        return new Promise<number>((resolve) => setImmediate(() => resolve(n)));
      };
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler,
        concurrency: Infinity,
      });
      const all = Promise.all([1, 2, 3, 4, 5].map((n) => pool.submit(n)));
      expect(started).to.deep.equal([1, 2, 3, 4, 5]);
      await all;
      pool.setConcurrency(2);
      pool.setConcurrency(Infinity);
      expect(pool.metrics().concurrency).to.equal(Infinity);
      await pool.shutdown();

      const limit$ = new BehaviorSubject(1);
      const streamed = new WorkerPool<number, number>({
        logger: silent,
        handler,
        concurrency: limit$,
      });
      limit$.next(Infinity);
      expect(streamed.metrics().concurrency).to.equal(Infinity);
      await streamed.shutdown();
    });
  });

  describe('durations are held to what a Node timer can wait (2^31-1 ms)', () => {
    const tooLong = 2 ** 31;
    for (const [name, options] of [
      ['timeoutMs', { timeoutMs: tooLong }],
      ['abortGraceMs', { abortGraceMs: tooLong }],
      ['shutdown.timeoutMs', { shutdown: { timeoutMs: tooLong } }],
      ['shutdown.cleanupTimeoutMs', { shutdown: { cleanupTimeoutMs: tooLong } }],
      ['metrics.intervalMs', { metrics: { intervalMs: tooLong } }],
      [
        'retry.backoff.maxMs',
        { retry: { backoff: { strategy: 'fixed', initialMs: 1, maxMs: tooLong } } },
      ],
      ['rateLimit.intervalMs', { rateLimit: { limit: 1, intervalMs: tooLong } }],
      ['queue.agingMs', { queue: { agingMs: tooLong } }],
    ] as const) {
      it(`refuses ${name} above it, naming the option`, () => {
        expect(() => new WorkerPool({ logger: silent, ...options })).to.throw(ConfigError, name);
      });
    }

    it('refuses it at a call: shutdown({ timeoutMs }) and a task timeoutMs reject, naming it', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const err = await pool.submit(1, { timeoutMs: 1e10 }).catch((e: Error) => e);
      expect(err).to.be.instanceOf(TypeError);
      expect((err as Error).message)
        .to.contain('`timeoutMs`')
        .and.contain('2147483647');
      const refused = pool.shutdown({ timeoutMs: tooLong });
      expect(refused).to.be.instanceOf(Promise);
      expect(await refused.catch((e: Error) => e.message)).to.contain('2147483647');
      // Refused arguments did not start the shutdown: the pool still works.
      expect(await pool.submit(2)).to.equal(2);
      await pool.shutdown();
    });

    it('shutdown({ timeoutMs: -1 }) rejects instead of throwing', async () => {
      const pool = new WorkerPool({ logger: silent });
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = pool.shutdown({ timeoutMs: -1 }))).not.to.throw();
      expect(await (promise as Promise<unknown>).catch((e: unknown) => e)).to.be.instanceOf(
        TypeError,
      );
      await pool.shutdown();
    });

    it('takes Infinity where it means no limit, and arms no timer for it', async () => {
      const scheduler = new VirtualTimeScheduler();
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        handler: (n) => n,
        timeoutMs: Infinity,
        abortGraceMs: Infinity,
        queue: { capacity: Infinity, agingMs: Infinity },
        shutdown: { timeoutMs: Infinity, cleanupTimeoutMs: Infinity },
      });
      expect(await pool.submit(3, { timeoutMs: Infinity })).to.equal(3);
      expect(scheduler.actions.length).to.equal(0);
      const report = await pool.shutdown();
      expect(report.completed).to.equal(1);
    });
  });

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

  describe('retry policies that misbehave', () => {
    it('a backoff delay over 2^31-1 ms, NaN, or a throwing retryIf fails the task with that error', async () => {
      const cases: [string, Partial<import('../../lib/retry/retry-options').RetryOptions>][] = [
        ['huge delay', { backoff: { delayMs: () => 1e12 } }],
        ['NaN delay', { backoff: { delayMs: () => NaN } }],
        [
          'throwing retryIf',
          {
            retryIf: () => {
              throw new Error('retryIf broke');
            },
          },
        ],
      ];
      for (const [name, retry] of cases) {
        const pool = new WorkerPool<number, number>({
          logger: silent,
          retry,
          handler: () => {
            throw new Error('handler failed');
          },
        });
        const error = (await pool.submit(1).catch((e: Error) => e)) as Error;
        expect(error, name).to.be.instanceOf(Error);
        expect(error.message, name).to.match(/delayMs\(1\)|retryIf broke/);
        expect(pool.metrics().failed, name).to.equal(1);
        expect((await pool.shutdown()).completed, name).to.equal(1);
      }
    });
  });

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

  describe('per-task options are checked like pool options (plain JavaScript callers)', () => {
    it('an empty or non-string id is refused, naming it', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      for (const id of ['', 7]) {
        const error = await pool.submit(1, { id } as { id: string }).catch((e: Error) => e);
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(/^Expected `id` to be a non-empty string, got /);
      }
      expect(pool.metrics().submitted).to.equal(0);
      await pool.shutdown();
    });

    it('an unknown key is refused with a suggestion', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const typo = { priorty: 'high' } as unknown as { priority: 'high' };
      const error = await pool.submit(1, typo).catch((e: Error) => e);
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message)
        .to.contain('`priorty`: unknown key (did you mean priority?)')
        .and.contain('expected one of');
      const retryTypo = { retry: { maxAttempt: 2 } } as unknown as { retry: { maxAttempts: 2 } };
      expect(await pool.submit(1, retryTypo).catch((e: Error) => e.message)).to.contain(
        '`retry.maxAttempt`: unknown key (did you mean retry.maxAttempts?)',
      );
      expect(() => pool.process(range(0, 1), { id: 'x' } as never)).to.throw(TypeError, '`id`');
      expect(pool.metrics().submitted).to.equal(0);
      await pool.shutdown();
    });

    it('options that are not an object, and run() without a function, are refused at once', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const notOptions = 'opts' as unknown as undefined;
      expect(await pool.submit(1, notOptions).catch((e: Error) => e)).to.be.instanceOf(TypeError);
      const notFn = 'notfn' as unknown as () => number;
      const error = await pool.run(notFn).catch((e: Error) => e);
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.contain('`fn`');
      // Refused, not retried: no attempt started.
      expect(pool.metrics().started).to.equal(0);
      await pool.shutdown();
    });
  });

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

  describe('metrics', () => {
    it('does not count a timeout for an attempt its caller had already cancelled', async () => {
      const scheduler = new VirtualTimeScheduler();
      const controller = new AbortController();
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        abortGraceMs: 100,
        timeoutMs: 50,
        // Ignores its signal: it keeps its slot through the grace.
        handler: () => new Promise<number>(() => undefined),
      });
      const result = pool.submit(1, { signal: controller.signal }).catch((e: unknown) => e);
      scheduler.schedule(() => controller.abort(), 10);
      scheduler.flush();
      expect(await result).to.be.instanceOf(TaskCancelledError);
      expect(pool.metrics().timeouts).to.equal(0);
      void pool.shutdown({ timeoutMs: 0 });
      scheduler.flush();
    });

    it("every latency percentile is <= its max (HDR reports a bucket's highest equivalent)", () => {
      const recorder = new MetricsRecorder({ startedAt: 0 });
      for (let i = 0; i < 100; i++) recorder.recordLatency(Priority.NORMAL, 0, 31);
      const { runMs } = recorder.snapshot(
        {
          active: 0,
          abandoned: 0,
          queuedByPriority: [0, 0, 0, 0],
          concurrency: 1,
          system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 },
        },
        1000,
        { advance: false },
      ).latency;
      expect(runMs.max).to.equal(31);
      for (const p of [runMs.p50, runMs.p90, runMs.p99]) expect(p).to.be.at.most(runMs.max);
    });
  });

  describe('handleSignals names', () => {
    it('refuses signals a process cannot handle or that do not exist, before starting anything', () => {
      const scheduler = new VirtualTimeScheduler();
      for (const signal of ['SIGKILL', 'SIGFOO']) {
        expect(
          () =>
            new WorkerPool({
              logger: silent,
              scheduler,
              handleSignals: [signal as NodeJS.Signals],
              concurrency: { min: 1, max: 4, autoscale: { policy: 'latency' } },
            }),
        ).to.throw(ConfigError, 'handleSignals[0]');
      }
      // No scaler timer was left behind by the refused constructions.
      expect(scheduler.actions.length).to.equal(0);
    });
  });

  describe('a resource-owning handler (HANDLER_LIFECYCLE)', () => {
    it('is told of each abort with the attempt\u2019s context, caps the limit and is closed at shutdown', async () => {
      const aborted: [string, string][] = [];
      let closed = false;
      const handler = Object.assign(
        (_n: number) => new Promise<number>(() => {}), // never settles by itself
        {
          [HANDLER_LIFECYCLE]: {
            maxConcurrency: 2,
            abort: (ctx: { task: { id: string } }, reason: Error) =>
              aborted.push([ctx.task.id, reason.name]),
            close: async () => {
              closed = true;
            },
          },
        },
      );
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler,
        timeoutMs: 5,
        abortGraceMs: 1,
        retry: { maxAttempts: 1 },
      });
      expect(pool.metrics().concurrency).to.equal(2); // starts at the handler's ceiling
      expect(() => pool.setConcurrency(3)).to.throw(RangeError);
      const error = await pool.submit(1, { id: 'slow' }).catch((e: Error) => e);
      expect((error as Error).name).to.equal('TaskTimeoutError');
      expect(aborted).to.deep.equal([['slow', 'TaskTimeoutError']]);
      await pool.shutdown();
      expect(closed).to.equal(true);
    });
  });
});
