import { expect } from 'chai';
import {
  Subject,
  asyncScheduler,
  from,
  of,
  throwError,
  timer,
  NEVER,
  tap,
  map,
  type SchedulerLike,
  BehaviorSubject,
  VirtualTimeScheduler,
} from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { Priority } from '../../lib/task/priority';
import { ConfigError } from '../../lib/errors/config-error';
import { QueueFullError } from '../../lib/errors/queue-full-error';
import { PoolClosedError } from '../../lib/errors/pool-closed-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { runInPool } from '../../lib/pool/run-in-pool';
import type { TaskResult } from '../../lib/task/task';
import { recordResults, newTestScheduler, poolOn, silent } from '../support/pool-fixtures';
import { runScript } from '../support/run-script';
import path from 'node:path';

/** A handler whose calls stay running until released, one by one. */
function controlled() {
  const releases = new Map<number, () => void>();
  const handler = (n: number) =>
    new Promise<number>((resolve) => releases.set(n, () => resolve(n)));
  return { handler, release: (n: number) => releases.get(n)?.() };
}

describe('WorkerPool', () => {
  describe('submit / run', () => {
    it('resolves with the handler value whether it returns a value, a promise or an observable', async () => {
      const pool = new WorkerPool<string, string>({
        logger: silent,
        concurrency: 2,
        handler: (kind) =>
          kind === 'value' ? 'v' : kind === 'promise' ? Promise.resolve('p') : from(['o1', 'o2']),
      });
      expect(
        await Promise.all([
          pool.submit('value'),
          pool.submit('promise'),
          pool.submit('observable'),
        ]),
      ).to.deep.equal([
        'v',
        'p',
        'o2', // an Observable's last value
      ]);
      await pool.shutdown();
    });

    it('turns a synchronous throw into a failed task, not a crash', async () => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        retry: { maxAttempts: 1 },
        handler: () => {
          throw new Error('sync boom');
        },
      });
      const results: TaskResult<number, number>[] = [];
      pool.results$.subscribe((r) => results.push(r));
      const error = await pool.submit(1).catch((e: Error) => e);
      expect((error as Error).message).to.equal('sync boom');
      expect(results.map((r) => [r.status, r.attempts])).to.deep.equal([['failed', 1]]);
      await pool.shutdown();
    });

    it('rejects with the very error the handler threw, with no unhandled rejection on the way', async () => {
      const boom = new Error('boom');
      const pool = new WorkerPool<number, number>({
        logger: silent,
        retry: { maxAttempts: 1 },
        handler: () => Promise.reject(boom),
      });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): number => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const outcome = pool.submit(1);
        expect(
          await outcome.then(
            () => 'resolved',
            (e: unknown) => e,
          ),
        ).to.equal(boom);
        await pool.shutdown();
        // Node reports unhandled rejections after the macrotask that made them.
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).to.deep.equal([]);
    });

    it('reads the clock twice for a task that starts at once: on acceptance and on release', async () => {
      let reads = 0;
      const scheduler: SchedulerLike = {
        now: () => (reads++, asyncScheduler.now()),
        schedule: asyncScheduler.schedule.bind(asyncScheduler),
      };
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        timeoutMs: 1000,
        handler: async (n) => n,
      });
      await pool.submit(0); // the first one also builds the deadline list
      const before = reads;
      expect(await pool.submit(1)).to.equal(1);
      // The start reuses the acceptance's reading (Date.now() costs ~80 ns on the CI VM).
      expect(reads - before).to.equal(2);
      await pool.shutdown();
    });

    it('run() executes a function as a task with its context', async () => {
      const pool = new WorkerPool({ logger: silent });
      const seen = await pool.run(
        (ctx) => ({
          attempt: ctx.attempt,
          priority: ctx.task.priority,
          aborted: ctx.signal.aborted,
        }),
        {
          priority: 'critical',
        },
      );
      expect(seen).to.deep.equal({ attempt: 1, priority: Priority.CRITICAL, aborted: false });
      await pool.shutdown();
    });

    it('rejects submit without a handler, naming the fix', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, retry: { maxAttempts: 1 } });
      const error = (await pool.submit(1).catch((e: Error) => e)) as Error;
      expect(error.message).to.match(/no handler/);
      await pool.shutdown();
    });

    it('rejects a bad per-task option with the option named', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: async (n) => n });
      const error = (await pool
        .submit(1, { priority: 'urgent' as 'high' })
        .catch((e: Error) => e)) as Error;
      expect(error.message).to.equal(
        "Expected `priority` to be one of 0..3 or 'low' | 'normal' | 'high' | 'critical', got `urgent` (string)",
      );
      const timeoutError = (await pool
        .submit(1, { timeoutMs: -5 })
        .catch((e: Error) => e)) as Error;
      expect(timeoutError.message).to.equal(
        'Expected `timeoutMs` to be a number of ms above 0, at most 2147483647, or Infinity for none, got `-5` (number)',
      );
      await pool.shutdown();
    });
  });

  describe('priorities and concurrency (virtual time)', () => {
    it('runs waiting tasks highest priority first, FIFO within a level', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<string, string>(scheduler, {
          concurrency: 1,
          handler: (v) => cold('--(v|)', { v }),
        });
        const seen = recordResults(scheduler, pool.results$);
        pool.submit('first', { priority: 'low' });
        pool.submit('low', { priority: 'low' });
        pool.submit('normal');
        pool.submit('critical', { priority: Priority.CRITICAL });
        pool.submit('high', { priority: 'high' });
        pool.submit('normal2', { priority: 'normal' });
        scheduler.flush();
        expect(seen).to.deep.equal([
          '2:first:succeeded',
          '4:critical:succeeded',
          '6:high:succeeded',
          '8:normal:succeeded',
          '10:normal2:succeeded',
          '12:low:succeeded',
        ]);
      });
    });

    it('ages LOW tasks so they are not starved by a stream of HIGH ones', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<string, string>(scheduler, {
          concurrency: 1,
          queue: { agingMs: 5 },
          handler: (v) => cold('--(v|)', { v }),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => String(r.task.input));
        pool.submit('busy');
        pool.submit('low', { priority: 'low' });
        for (let t = 0; t < 20; t++)
          scheduler.schedule(() => void pool.submit(`h${t}`, { priority: 'high' }), t);
        scheduler.flush();
        // Every waiting task ages, so LOW catches up at the cap: by t=16 it has waited 16 ms
        // (LOW + 3 = CRITICAL) and wins the tie with the aged HIGH ones as the oldest.
        expect(seen.slice(0, 9)).to.deep.equal([
          '2:busy',
          '4:h0',
          '6:h1',
          '8:h2',
          '10:h3',
          '12:h4',
          '14:h5',
          '16:h6',
          '18:low',
        ]);
      });
    });

    it('starts queued tasks at once when the limit is raised, none when lowered until below it', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<number, number>(scheduler, {
          concurrency: 1,
          handler: (n) => cold('----(n|)', { n }),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => String(r.task.input));
        const limits: number[] = [];
        pool.concurrency$.subscribe((n) => limits.push(n));
        for (let i = 1; i <= 6; i++) pool.submit(i);
        scheduler.schedule(() => pool.setConcurrency(3), 2);
        scheduler.schedule(() => pool.setConcurrency(1), 5);
        scheduler.flush();
        // t0: 1 starts; t2: limit 3, so 2 and 3 start; t4: 1 ends and 4 starts (limit still 3);
        // t5: limit 1 with 2, 3, 4 running: nothing starts until 4 ends at t8; then one at a time.
        expect(seen).to.deep.equal(['4:1', '6:2', '6:3', '8:4', '12:5', '16:6']);
        expect(limits).to.deep.equal([1, 3, 1]);
      });
    });

    it('takes its limit from an Observable', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold, hot }) => {
        const limit$ = hot('--a', { a: 2 });
        const pool = poolOn<number, number>(scheduler, {
          concurrency: limit$,
          handler: (n) => cold('---(n|)', { n }),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => String(r.task.input));
        [1, 2, 3].forEach((n) => pool.submit(n));
        scheduler.flush();
        expect(seen).to.deep.equal(['3:1', '5:2', '6:3']);
      });
    });

    it('ignores (and logs) a bad value from a concurrency Observable, keeping the limit', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ hot }) => {
        const limit$ = hot('a-b-c', { a: 2, b: 0, c: 1.5 });
        const pool = poolOn<number, number>(scheduler, {
          concurrency: limit$,
          handler: (n) => n,
        });
        scheduler.flush();
        expect(pool.metrics().concurrency).to.equal(2);
      });
    });

    it('pause() stops dispatch; resume() restarts it; running tasks go on', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const pool = poolOn<number, number>(scheduler, {
          concurrency: 1,
          handler: (n) => cold('--(n|)', { n }),
        });
        const seen = recordResults(scheduler, pool.results$, (r) => String(r.task.input));
        pool.submit(1);
        pool.submit(2);
        scheduler.schedule(() => pool.pause(), 1);
        scheduler.schedule(() => {
          expect(pool.isPaused).to.equal(true);
          expect(pool.metrics().queued).to.equal(1);
          pool.resume();
        }, 10);
        scheduler.flush();
        expect(seen).to.deep.equal(['2:1', '12:2']);
      });
    });

    it('never runs more attempts than the limit in force', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        let running = 0;
        let peak = 0;
        const pool = poolOn<number, number>(scheduler, {
          concurrency: 3,
          handler: (n) => {
            running++;
            peak = Math.max(peak, running);
            // tap's complete runs before the pool sees the completion and starts the next one.
            return cold('-----(n|)', { n }).pipe(tap({ complete: () => running-- }));
          },
        });
        for (let i = 0; i < 50; i++) pool.submit(i, { priority: (i % 4) as Priority });
        scheduler.flush();
        expect(peak).to.equal(3);
        expect(pool.metrics().succeeded).to.equal(50);
      });
    });
  });

  describe('queue overflow', () => {
    it("'reject' refuses with QueueFullError and a rejected result", async () => {
      const release = new Subject<void>();
      const pool = new WorkerPool<number, number>({
        logger: silent,
        concurrency: 1,
        queue: { capacity: 1 },
        handler: (n) => new Promise((resolve) => release.subscribe(() => resolve(n))),
      });
      const results: TaskResult<number, number>[] = [];
      pool.results$.subscribe((r) => results.push(r));
      const running = pool.submit(1); // takes the slot
      const queued = pool.submit(2); // waits
      const refused = await pool.submit(3).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(QueueFullError);
      expect((refused as QueueFullError).capacity).to.equal(1);
      expect(results.map((r) => `${r.task.input}:${r.status}`)).to.deep.equal(['3:rejected']);
      release.next();
      await running;
      release.next();
      expect(await queued).to.equal(2);
      expect(pool.metrics().rejected).to.equal(1);
      await pool.shutdown();
    });

    it("'drop-lowest' evicts the newest task of the lowest level below the arrival", async () => {
      const pool = new WorkerPool<string, string>({
        logger: silent,
        concurrency: 1,
        queue: { capacity: 2, overflow: 'drop-lowest' },
        handler: async (v) => v,
      });
      pool.pause();
      const settled: string[] = [];
      const track = (p: Promise<string>, name: string) =>
        p.then(
          () => settled.push(`${name}:ok`),
          (e: Error) => settled.push(`${name}:${e.name}`),
        );
      const all = [
        track(pool.submit('low1', { priority: 'low' }), 'low1'),
        track(pool.submit('low2', { priority: 'low' }), 'low2'),
        track(pool.submit('high', { priority: 'high' }), 'high'), // evicts low2
        track(pool.submit('low3', { priority: 'low' }), 'low3'), // nothing below LOW: refused
      ];
      pool.resume();
      await Promise.all(all);
      expect(settled.sort()).to.deep.equal([
        'high:ok',
        'low1:ok',
        'low2:QueueFullError',
        'low3:QueueFullError',
      ]);
      await pool.shutdown();
    });

    it('whenCapacity() resolves once the queue has room', async () => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        concurrency: 1,
        queue: { capacity: 1 },
        handler: async (n) => n,
      });
      pool.pause();
      const first = pool.submit(1);
      let room = false;
      const waiting = pool.whenCapacity().then(() => (room = true));
      await Promise.resolve();
      expect(room).to.equal(false);
      pool.resume();
      await waiting;
      expect(room).to.equal(true);
      await first;
      await pool.shutdown();
    });
  });

  describe('process() and runInPool()', () => {
    it('emits the results of its own stream and completes when they are all done', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const pool = poolOn<string, string>(scheduler, {
          concurrency: 2,
          handler: (v) => cold('--(v|)', { v: v.toUpperCase() }),
        });
        const out = cold('a-b|').pipe(
          runInPool(pool),
          map((r) => r.value),
        );
        expectObservable(out).toBe('--A-(B|)');
      });
    });

    it('computes priority per input', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const pool = poolOn<number, number>(scheduler, {
          concurrency: 1,
          handler: (n) => cold('-(n|)', { n }),
        });
        const out = pool
          .process(of(1, 2, 3, 4), { priority: (n) => (n % 2 === 0 ? 'high' : 'low') })
          .pipe(map((r) => String(r.task.input)));
        // 1 takes the free slot; then the HIGH ones (2, 4) before the LOW one (3).
        expectObservable(out).toBe('-124(3|)');
      });
    });

    it('completes at once on an empty source and errors with the source', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const pool = poolOn<number, number>(scheduler, { handler: (n) => cold('-(n|)', { n }) });
        expectObservable(pool.process(cold<number>('|'))).toBe('|');
        expectObservable(pool.process(cold<number>('--#'))).toBe('--#');
      });
    });

    it('never completes while its source does not', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const pool = poolOn<number, number>(scheduler, { handler: (n) => cold('-(n|)', { n }) });
        expectObservable(pool.process(NEVER)).toBe('');
      });
    });

    it('unsubscribing cancels its queued tasks and aborts its running ones through ctx.signal', async () => {
      const signals: AbortSignal[] = [];
      const pool = new WorkerPool<number, number>({
        logger: silent,
        concurrency: 2,
        abortGraceMs: 0,
        handler: (n, { signal }) => {
          signals.push(signal);
          return new Promise<number>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
        },
      });
      const results: TaskResult<number, number>[] = [];
      pool.results$.subscribe((r) => results.push(r));
      const subscription = pool.process(from([1, 2, 3, 4])).subscribe();
      const other = pool.submit(99, { priority: 'low' }).catch((e: Error) => e.name);
      // 1 and 2 run (2 slots), 3, 4 and the other stream's 99 wait.
      expect(signals.length).to.equal(2);
      subscription.unsubscribe();
      expect(signals.slice(0, 2).every((s) => s.aborted)).to.equal(true);
      expect((signals[0].reason as TaskCancelledError).reason).to.equal('unsubscribed');
      await new Promise((resolve) => setImmediate(resolve));
      const byInput = Object.fromEntries(results.map((r) => [r.task.input, r.status]));
      expect(byInput).to.deep.equal({
        1: 'cancelled',
        2: 'cancelled',
        3: 'cancelled',
        4: 'cancelled',
      });
      // The other stream's task is untouched and now runs.
      expect(signals.length).to.equal(3);
      expect(pool.metrics().active).to.equal(1);
      const report = await pool.shutdown({ timeoutMs: 0 });
      expect(await other).to.equal('TaskCancelledError');
      expect(report.aborted.map((t) => t.input)).to.deep.equal([99]);
    });

    it('refuses to start after shutdown began', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: async (n) => n });
      const report = pool.shutdown();
      const error = await new Promise((resolve) =>
        pool.process(of(1)).subscribe({ error: resolve }),
      );
      expect(error).to.be.instanceOf(PoolClosedError);
      await report;
    });
  });

  describe('results', () => {
    it('emits exactly one result per task on results$ and through results()', async () => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        concurrency: 4,
        handler: async (n) => n * 2,
      });
      const iterated: number[] = [];
      const iterating = (async () => {
        for await (const result of pool.results()) iterated.push(result.value as number);
      })();
      await Promise.all([1, 2, 3].map((n) => pool.submit(n)));
      await pool.shutdown();
      await iterating;
      expect(iterated.sort()).to.deep.equal([2, 4, 6]);
    });

    it('onIdle() resolves at once on a new pool and after the last task otherwise', async () => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        concurrency: 2,
        handler: async (n) => n,
      });
      await pool.onIdle();
      let done = 0;
      for (let i = 0; i < 10; i++) void pool.submit(i).then(() => done++);
      await pool.onIdle();
      expect(done).to.equal(10);
      await pool.shutdown();
    });
  });

  describe('options', () => {
    it('throws a ConfigError naming each bad option, its value and what was expected', () => {
      const build = () =>
        new WorkerPool({
          logger: silent,
          concurrency: 0,
          queue: { capacity: -1 },
          timeoutMz: 5,
        } as never);
      expect(build).to.throw(ConfigError);
      try {
        build();
      } catch (error) {
        const paths = (error as ConfigError).problems.map((p) => p.path);
        expect(paths).to.include.members(['queue.capacity', 'timeoutMz']);
        expect((error as ConfigError).message).to.match(/concurrency/);
      }
    });

    it('rejects a non-function handler and an out-of-range setConcurrency', () => {
      expect(() => new WorkerPool({ logger: silent, handler: 5 as never })).to.throw(
        /handler: must be a function/,
      );
      const pool = new WorkerPool({ logger: silent, concurrency: { min: 2, max: 4 } });
      expect(() => pool.setConcurrency(5)).to.throw(
        'Expected `concurrency` to be an integer from 2 to 4, got `5` (number)',
      );
      expect(() => pool.setConcurrency(1.5)).to.throw(RangeError);
      pool.setConcurrency(4);
    });

    it('rejects an inconsistent range', () => {
      expect(() => new WorkerPool({ logger: silent, concurrency: { min: 5, max: 2 } })).to.throw(
        /concurrency\.min/,
      );
    });
  });

  it('keeps throwError and timer imports honest', () => {
    expect(typeof throwError).to.equal('function');
    expect(typeof timer).to.equal('function');
    expect(new BehaviorSubject(1).value).to.equal(1);
  });
});

describe('WorkerPool hardening', () => {
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
});

describe('WorkerPool queue management (what p-queue users reach for)', () => {
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

describe('A pool in a real process', function () {
  this.timeout(30_000);

  it('lets a finished script exit without a shutdown, despite a 30 s task timeout', async () => {
    const fixture = path.join(__dirname, 'fixtures', 'finished-script.ts');
    // Killed after 15 s: an armed, referenced 30 s deadline timer would keep it alive.
    const outcome = await runScript(fixture);
    expect(outcome).to.deep.equal({ killed: false, code: 0, stdout: '[2,4,6,8,10]\n' });
  });
});
