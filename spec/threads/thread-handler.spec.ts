import { expect } from 'chai';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Subject, firstValueFrom, filter, lastValueFrom, startWith, toArray } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { BatchError } from '../../lib/errors/batch-error';
import { ConfigError } from '../../lib/errors/config-error';
import { NonRetryableError } from '../../lib/errors/non-retryable-error';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { formatMetrics } from '../../lib/metrics/format-metrics';
import { exposePrometheus } from '../../lib/metrics/prometheus';
import type { TaskContext, TaskResult } from '../../lib/task/task';
import { Priority } from '../../lib/task/priority';
import { threadHandler, transfer, WorkerThreadError } from '../../lib/threads';
import { HANDLER_LIFECYCLE } from '../../lib/pool/handler-lifecycle';
import { ScriptedUsageSource } from '../../lib/scaling/usage-source';
import { newTestScheduler, silent } from '../support/pool-fixtures';
import { runScript, type ScriptOutcome } from '../support/run-script';
import { advanceTo } from '../support/usage-fixtures';

const fixture = (name: string): string => path.join(__dirname, 'fixtures', name);
const CPU = fixture('cpu.worker.js');

interface WhoAmI {
  threadId: number;
  input: unknown;
  ctx: { attempt: number; taskId: string };
}

/** A pool on `cpu.worker.js`'s export `name`, with one attempt per task unless told. */
function threadPool<I, O>(
  name: string | undefined,
  extra: Partial<ConstructorParameters<typeof WorkerPool<I, O>>[0]> = {},
  threads: { min?: number; max?: number } = { max: 2 },
): WorkerPool<I, O> {
  return new WorkerPool<I, O>({
    logger: silent,
    handler: threadHandler<I, O>({ filename: CPU, name, threads }),
    retry: { maxAttempts: 1 },
    ...extra,
  });
}

describe('threadHandler (rxjs-worker-pool/threads)', function () {
  // Threads start in tens of milliseconds; TypeScript ones load ts-node first.
  this.timeout(20_000);

  describe('running on threads', () => {
    it('calls the worker function with (input, { attempt, taskId }) on another thread', async () => {
      const pool = threadPool<number, WhoAmI>('whoami');
      const out = await pool.submit(5, { id: 'job-5' });
      expect(out.input).to.equal(5);
      expect(out.ctx).to.deep.equal({ attempt: 1, taskId: 'job-5' });
      expect(out.threadId).to.be.greaterThan(0); // 0 is the main thread
      await pool.shutdown();
    });

    it('defaults to the default export and runs threads.max attempts at once by default', async () => {
      const pool = threadPool<{ text: string; rounds: number }, string>(undefined);
      expect(pool.metrics().concurrency).to.equal(2);
      const digests = await Promise.all(
        [1, 2, 3, 4].map((rounds) => pool.submit({ text: 'x', rounds })),
      );
      expect(digests).to.have.length(4);
      expect(new Set(digests).size).to.equal(4);
      expect(digests.every((d) => /^[0-9a-f]{64}$/.test(d))).to.equal(true);
      await pool.shutdown();
    });

    it('loads an ES module worker file (.mjs), default and named exports', async () => {
      const doubled = new WorkerPool<number, number>({
        logger: silent,
        handler: threadHandler({ filename: pathToFileURL(fixture('esm.worker.mjs')) }),
      });
      const negated = new WorkerPool<number, number>({
        logger: silent,
        handler: threadHandler({ filename: fixture('esm.worker.mjs'), name: 'negate' }),
      });
      expect(await doubled.submit(21)).to.equal(42);
      expect(await negated.submit(21)).to.equal(-21);
      await Promise.all([doubled.shutdown(), negated.shutdown()]);
    });

    it('loads a TypeScript worker file (.ts) through ts-node with the parent settings', async () => {
      const area = new WorkerPool<{ width: number; height: number }, { area: number }>({
        logger: silent,
        handler: threadHandler({ filename: fixture('typed.worker.ts'), name: 'area' }),
      });
      const upper = new WorkerPool<string, string>({
        logger: silent,
        handler: threadHandler({ filename: fixture('typed.worker.ts') }),
      });
      expect(await area.submit({ width: 3, height: 4 })).to.include({ area: 12, attempt: 1 });
      expect(await upper.submit('shout')).to.equal('SHOUT');
      await Promise.all([area.shutdown(), upper.shutdown()]);
    });

    it('takes a worker file that exports a Promise of its function or of its exports', async () => {
      const pool = (filename: string, name?: string): WorkerPool<number, number> =>
        new WorkerPool<number, number>({
          logger: silent,
          handler: threadHandler<number, number>({ filename, name, threads: { max: 1 } }),
        });
      const tripled = pool(fixture('promised.worker.js'));
      const squared = pool(fixture('promised.worker.js'), 'square');
      const esm = pool(fixture('promised.worker.mjs'));
      expect(await tripled.submit(5)).to.equal(15);
      expect(await squared.submit(5)).to.equal(25);
      expect(await esm.submit(5)).to.equal(105);
      await Promise.all([tripled.shutdown(), squared.shutdown(), esm.shutdown()]);
    });

    it('fails every attempt, without retries, when the file has no such export', async () => {
      const pool = threadPool<number, number>('noSuchExport', { retry: { maxAttempts: 3 } });
      const result = await firstResult(pool, () => void pool.submit(1).catch(() => {}));
      expect(result.status).to.equal('failed');
      expect(result.attempts).to.equal(1);
      expect(result.error?.message).to.match(/has no function as an export named 'noSuchExport'/);
      expect(NonRetryableError.isMarked(result.error)).to.equal(true);
      await pool.shutdown();
    });
  });

  describe('abort terminates the thread, and a fresh one replaces it', () => {
    it('a timeout ends a synchronous infinite loop at its deadline; the pool keeps serving', async () => {
      const handler = threadHandler<string, unknown>({
        filename: CPU,
        name: 'spin',
        threads: { max: 1 },
      });
      const pool = new WorkerPool<string, unknown>({
        logger: silent,
        handler,
        timeoutMs: 150,
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
      });
      const error = await pool.submit('loop').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TaskTimeoutError);
      // Two attempts, each ended by its deadline on a thread that was then terminated (how
      // fast is for bench/threads.ts, not for a spec).
      expect(pool.metrics().timeouts).to.equal(2);
      expect(pool.metrics().threads?.count).to.be.at.most(1);
      await pool.shutdown();
    });

    it('a caller cancel terminates the thread; a fresh thread runs the next task', async () => {
      const pool = threadPool<Int32Array | string, WhoAmI>('spinOrWhoami', {}, { max: 1 });
      const before = await pool.submit('a');
      const controller = new AbortController();
      const { flag, running } = spinFlag();
      const looping = pool.submit(flag, { signal: controller.signal }).catch((e: unknown) => e);
      await running;
      controller.abort();
      expect(await looping).to.be.instanceOf(TaskCancelledError);
      const after = await pool.submit('b');
      expect(after.threadId).to.not.equal(before.threadId);
      expect(pool.metrics().threads?.perThread.map((t) => t.threadId)).to.deep.equal([
        after.threadId,
      ]);
      await pool.shutdown();
    });

    it('called outside a pool, it honours the hand-made context\u2019s signal', async () => {
      const handler = threadHandler<Int32Array, unknown>({
        filename: CPU,
        name: 'spin',
        threads: { max: 1 },
      });
      const controller = new AbortController();
      const { flag, running } = spinFlag();
      const ctx: TaskContext<Int32Array> = {
        signal: controller.signal,
        attempt: 1,
        task: { id: 'direct', input: flag, priority: Priority.NORMAL, submittedAt: 0 },
        logger: silent,
      };
      const outcome = Promise.resolve(handler(flag, ctx)).catch((e: unknown) => e);
      await running;
      controller.abort(new Error('stop it'));
      expect(((await outcome) as Error).message).to.equal('stop it');
      await handler[HANDLER_LIFECYCLE].close?.();
    });

    it('shutdown at its deadline aborts a looping attempt and stops every thread', async () => {
      const pool = threadPool<Int32Array, unknown>('spin');
      const { flag, running } = spinFlag();
      const looping = pool.submit(flag).catch((e: unknown) => e);
      await running;
      const report = await pool.shutdown({ timeoutMs: 100 });
      expect(report.aborted.map((t) => t.input)).to.deep.equal([flag]);
      expect(await looping).to.be.instanceOf(TaskCancelledError);
      expect(pool.metrics().threads).to.deep.equal({
        count: 0,
        busy: 0,
        utilization: 0,
        perThread: [],
      });
    });
  });

  describe('what each thread starts with (piscina parity)', () => {
    it('env, argv, execArgv and workerData reach the thread; workerData is its own', async () => {
      const pool = new WorkerPool<string, Record<string, unknown>>({
        logger: silent,
        handler: threadHandler({
          filename: CPU,
          name: 'startup',
          threads: { max: 1 },
          env: { ONLY_THIS: 'yes' },
          argv: ['--mode', 'fast'],
          execArgv: ['--no-warnings'],
          workerData: { model: 'small', sizes: [1, 2] },
        }),
      });
      expect(await pool.submit('ONLY_THIS')).to.deep.equal({
        workerData: { model: 'small', sizes: [1, 2] },
        env: 'yes',
        argv: ['--mode', 'fast'],
        execArgv: ['--no-warnings'],
      });
      expect((await pool.submit('PATH')).env).to.equal(undefined);
      await pool.shutdown();
    });

    it('by default a thread sees the parent env and no workerData', async () => {
      process.env.RWP_SPEC_VARIABLE = 'inherited';
      try {
        const pool = threadPool<string, Record<string, unknown>>('startup');
        const seen = await pool.submit('RWP_SPEC_VARIABLE');
        expect(seen).to.deep.include({ env: 'inherited', argv: [] });
        expect(seen.workerData).to.equal(undefined);
        await pool.shutdown();
      } finally {
        delete process.env.RWP_SPEC_VARIABLE;
      }
    });
  });

  describe('threads are replaced, whatever was aborted while a thread started', () => {
    it('keeps threads.min after aborts that hit starting replacements', async () => {
      // Each round's timeouts terminate threads and abort attempts already handed to their
      // starting replacements: piscina took such an exit for a start-up failure and then
      // replaced no thread at all (threads.count fell to 0).
      const handler = threadHandler<unknown, never>({
        filename: CPU,
        name: 'spin',
        threads: { min: 1, max: 2 },
      });
      const events: string[] = [];
      handler.threadEvents$.subscribe((e) => events.push(e.type));
      const pool = new WorkerPool<unknown, never>({
        logger: silent,
        handler,
        concurrency: 2,
        timeoutMs: 30,
        retry: { maxAttempts: 1 },
      });
      const count = (): number => pool.metrics().threads?.count ?? 0;
      /** Whether a thread was created after the n-th one destroyed. */
      const replacedAfter = (n: number): boolean => {
        let destroyed = 0;
        for (const type of events) {
          if (type === 'destroyed') destroyed++;
          else if (type === 'created' && destroyed >= n) return true;
        }
        return false;
      };
      for (let round = 1; round <= 3; round++) {
        const results = await Promise.all(
          Array.from({ length: 6 }, () => pool.submit(0).catch((e: unknown) => e)),
        );
        expect(results.every((e) => e instanceof TaskTimeoutError)).to.equal(true);
        // Each timeout terminates its thread. Once this round's 6 are gone, a replacement
        // must come (without the fix none ever did, and this waits until mocha's timeout).
        await firstValueFrom(
          handler.threadEvents$.pipe(
            startWith(undefined),
            filter(() => replacedAfter(6 * round)),
          ),
        );
      }
      expect(count()).to.be.at.least(1);
      expect(events).to.include.members(['created', 'destroyed']);
      await pool.shutdown();
      expect(pool.metrics().threads?.count).to.equal(0);
    });

    it('threadEvents$ tells a thread that died under an attempt, and completes at shutdown', async () => {
      const handler = threadHandler<number, never>({
        filename: CPU,
        name: 'exitWith',
        threads: { max: 1 },
      });
      const events = lastValueFrom(handler.threadEvents$.pipe(toArray()));
      const pool = new WorkerPool<number, never>({
        logger: silent,
        handler,
        retry: { maxAttempts: 1 },
      });
      const error = await pool.submit(3).catch((e: unknown) => e);
      await pool.shutdown();
      const died = (await events).find((e) => e.type === 'died');
      expect(died).to.deep.include({ type: 'died', attempt: true, error });
    });
  });

  describe('crashes fail the attempt with a WorkerThreadError', () => {
    it("process.exit(n): reason 'exit', exitCode n, retried per policy", async () => {
      const pool = threadPool<number, unknown>('exitWith', {
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
      });
      const result = await firstResult(pool, () => void pool.submit(7).catch(() => {}));
      expect(result.status).to.equal('failed');
      expect(result.attempts).to.equal(2);
      expect(result.error).to.be.instanceOf(WorkerThreadError);
      expect(result.error).to.include({ reason: 'exit', exitCode: 7 });
      await pool.shutdown();
    });

    it("an exception thrown outside the function's promise: reason 'error', exitCode 1", async () => {
      const pool = threadPool<number, unknown>('uncaught');
      const error = await pool.submit(1).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(WorkerThreadError);
      expect(error).to.include({ reason: 'error', exitCode: 1 });
      expect((error as Error).message).to.contain('thrown outside the promise');
      await pool.shutdown();
    });

    it("out of memory under resourceLimits: reason 'out-of-memory', not retried by default", async () => {
      const pool = new WorkerPool<number, unknown>({
        logger: silent,
        handler: threadHandler({
          filename: CPU,
          name: 'allocate',
          threads: { max: 1 },
          resourceLimits: { maxOldGenerationSizeMb: 24 },
        }),
        retry: { maxAttempts: 3 },
      });
      const result = await firstResult(pool, () => void pool.submit(1).catch(() => {}));
      expect(result.error).to.be.instanceOf(WorkerThreadError);
      expect(result.error).to.include({
        reason: 'out-of-memory',
        exitCode: 1,
        retryByDefault: false,
      });
      expect(result.attempts).to.equal(1);
      await pool.shutdown();
    });

    it('a crash is retried on a fresh thread, which then succeeds', async () => {
      // exitWith exits on attempt 1 only when the input says so; whoami then answers.
      const pool = new WorkerPool<number, WhoAmI>({
        logger: silent,
        handler: threadHandler({ filename: fixture('flaky.worker.js'), threads: { max: 1 } }),
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
      });
      const out = await pool.submit(3);
      expect(out.ctx.attempt).to.equal(2);
      expect(pool.metrics().retries).to.equal(1);
      await pool.shutdown();
    });
  });

  describe('errors thrown by the worker function keep name, message and stack', () => {
    it('a built-in error arrives as its class with its own fields', async () => {
      const pool = threadPool<string, unknown>('throwTyped');
      const error = (await pool.submit('too big').catch((e: unknown) => e)) as Error & {
        code: string;
        detail: number;
      };
      expect(error).to.be.instanceOf(RangeError);
      expect(error).to.not.be.instanceOf(WorkerThreadError);
      expect(error).to.include({
        name: 'RangeError',
        message: 'too big',
        code: 'E_TOO_BIG',
        detail: 42,
      });
      expect(error.stack).to.contain('cpu.worker.js');
      await pool.shutdown();
    });

    it('a custom error keeps its name; a rejected non-error arrives as it was', async () => {
      const custom = threadPool<number, unknown>('throwCustom');
      const plain = threadPool<number, unknown>('rejectString');
      const error = (await custom.submit(1).catch((e: unknown) => e)) as Error;
      expect(error.name).to.equal('ValidationError');
      expect(error.message).to.equal('width must be positive');
      expect(error.stack).to.contain('ValidationError');
      const rejected = await firstResult(plain, () => void plain.submit(1).catch(() => {}));
      expect(rejected.error?.message).to.contain('plain string');
      await Promise.all([custom.shutdown(), plain.shutdown()]);
    });
  });

  describe('a value that cannot be cloned to the main thread', () => {
    it('fails the attempt, not retried, with a DataCloneError; the thread lives on', async () => {
      const handler = threadHandler<number, unknown>({
        filename: CPU,
        name: 'returnUnclonable',
        threads: { min: 1, max: 1 },
      });
      const events: string[] = [];
      handler.threadEvents$.subscribe((e) => events.push(e.type));
      const pool = new WorkerPool<number, unknown>({ logger: silent, handler });
      const result = await firstResult(pool, () => void pool.submit(1).catch(() => {}));
      expect(result.status).to.equal('failed');
      expect(result.attempts).to.equal(1);
      expect(result.error).to.include({ name: 'DataCloneError' });
      expect(result.error?.message).to.match(
        /returned a value that cannot be sent to the main thread/,
      );
      expect(NonRetryableError.isMarked(result.error)).to.equal(true);
      expect(events).to.not.include('died');
      expect(events).to.not.include('destroyed');
      await pool.shutdown();
    });

    it('a thrown value that cannot be cloned says so too', async () => {
      const pool = threadPool<number, unknown>('throwUnclonable', {
        retry: { maxAttempts: 3, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
      });
      const result = await firstResult(pool, () => void pool.submit(1).catch(() => {}));
      expect(result.attempts).to.equal(1);
      expect(result.error).to.include({ name: 'DataCloneError' });
      expect(result.error?.message).to.match(/threw a value that cannot be sent/);
      await pool.shutdown();
    });
  });

  describe('transfer()', () => {
    it('moves a 16 MiB input to the thread (detached here) and the result back', async () => {
      const pool = new WorkerPool<{ pixels: Uint8Array }, Uint8Array>({
        logger: silent,
        handler: threadHandler({ filename: fixture('buffers.worker.ts'), name: 'invert' }),
      });
      const pixels = new Uint8Array(16 * 1024 * 1024).fill(10);
      const inverted = await pool.submit({ pixels: transfer(pixels) });
      expect(pixels.byteLength).to.equal(0); // moved, not copied
      expect(inverted.byteLength).to.equal(16 * 1024 * 1024);
      expect(inverted[0]).to.equal(245);
      await pool.shutdown();
    });

    it('copies what is not marked; moves a marked input itself', async () => {
      const pool = new WorkerPool<{ pixels: Uint8Array }, { byteLength: number; first: number }>({
        logger: silent,
        handler: threadHandler({ filename: fixture('buffers.worker.ts'), name: 'inspect' }),
      });
      const copied = new Uint8Array([7, 8, 9]);
      expect(await pool.submit({ pixels: copied })).to.include({ byteLength: 3, first: 7 });
      expect(copied.byteLength).to.equal(3);
      const moved = transfer(new Uint8Array([1, 2]));
      const inArray = [moved] as unknown as { pixels: Uint8Array };
      await pool.submit(inArray).catch(() => {});
      expect(moved.byteLength).to.equal(0);
      await pool.shutdown();
    });

    it('a task whose input was moved is not retried', async () => {
      const pool = new WorkerPool<{ pixels: Uint8Array }, unknown>({
        logger: silent,
        handler: threadHandler({ filename: fixture('buffers.worker.ts'), name: 'fail' }),
        retry: { maxAttempts: 3 },
      });
      const result = await firstResult(
        pool,
        () => void pool.submit({ pixels: transfer(new Uint8Array(8)) }).catch(() => {}),
      );
      expect(result.status).to.equal('failed');
      expect(result.attempts).to.equal(1);
      expect(result.error?.message).to.equal('cannot use these pixels');
      await pool.shutdown();
    });

    it('takes only an ArrayBuffer or a typed array', () => {
      expect(() => transfer({} as unknown as ArrayBuffer)).to.throw(
        TypeError,
        /ArrayBuffer or a typed array/,
      );
    });
  });

  describe('metrics', () => {
    it('metrics().threads shows count, busy, utilization and per-thread state and counts', async () => {
      const pool = threadPool<Int32Array, unknown>('spin', {}, { min: 2, max: 2 });
      const { flag, running } = spinFlag();
      void pool.submit(flag, { timeoutMs: 10_000 }).catch(() => {});
      await running;
      const threads = pool.metrics().threads!;
      expect(threads.count).to.equal(2);
      expect(threads.busy).to.equal(1);
      expect(threads.utilization).to.equal(0.5);
      expect(threads.perThread.map((t) => t.state).sort()).to.include('busy');
      expect(formatMetrics(pool.metrics())).to.match(/threads {2}1\/2 busy {2}utilization 50%/);
      const text = await exposePrometheus(pool).metricsText();
      expect(text).to.match(/^worker_pool_threads 2$/m);
      expect(text).to.match(/^worker_pool_threads_busy 1$/m);
      expect(text).to.match(/^worker_pool_threads_utilization 0.5$/m);
      await pool.shutdown({ timeoutMs: 0 });
      expect(pool.metrics().threads?.count).to.equal(0);
    });

    it("threads are 'starting' until their module has loaded, then 'idle'", async () => {
      const pool = threadPool<string, WhoAmI>('whoami', {}, { min: 2, max: 2 });
      // Nothing from a thread can have arrived yet: this turn of the event loop made them.
      expect(pool.metrics().threads?.perThread.map((t) => t.state)).to.deep.equal([
        'starting',
        'starting',
      ]);
      const { threadId } = await pool.submit('a');
      const ran = pool.metrics().threads?.perThread.find((t) => t.threadId === threadId);
      expect(ran).to.include({ state: 'idle', completed: 1, failed: 0 });
      await pool.shutdown();
    });

    it('the resource autoscaler moves the limit within 1..threads.max', async () => {
      const scheduler = newTestScheduler();
      const pool = new WorkerPool<Int32Array, unknown>({
        logger: silent,
        scheduler,
        handler: threadHandler({ filename: CPU, name: 'spin', threads: { min: 0, max: 2 } }),
        concurrency: {
          initial: 1,
          autoscale: { usageSource: new ScriptedUsageSource([{ cpuPercent: 5 }]) },
        },
      });
      const limits: number[] = [];
      pool.concurrency$.subscribe((limit) => limits.push(limit));
      for (let i = 0; i < 6; i++) void pool.submit(new Int32Array(1)).catch(() => {});
      await advanceTo(scheduler, 10_000);
      expect(limits).to.deep.equal([1, 2]); // low CPU and a backlog: up, but never past 2
      const report = pool.shutdown({ timeoutMs: 0 });
      await advanceTo(scheduler, 20_000);
      expect((await report).aborted).to.have.length(2);
    });

    it('counts completed and failed attempts per thread', async () => {
      const pool = new WorkerPool<number, unknown>({
        logger: silent,
        handler: threadHandler({ filename: fixture('flaky.worker.js'), threads: { max: 1 } }),
        retry: { maxAttempts: 1 },
      });
      await pool.submit(0);
      await pool.submit(0);
      await pool.submit(-1).catch(() => {}); // throws on the thread (it lives on)
      const [thread] = pool.metrics().threads!.perThread;
      expect(thread).to.include({ state: 'idle', completed: 2, failed: 1 });
      const text = await exposePrometheus(pool).metricsText();
      expect(text).to.contain(
        `worker_pool_thread_attempts_total{thread_id="${thread.threadId}",outcome="completed"} 2`,
      );
      await pool.shutdown();
    });

    it('a pool without threads has no threads metrics', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      expect(pool.metrics().threads).to.equal(undefined);
      expect(await exposePrometheus(pool).metricsText()).to.not.contain('worker_pool_threads');
      await pool.shutdown();
    });
  });

  describe('every limit the pool can reach is at most threads.max', () => {
    const handler = (): ReturnType<typeof threadHandler> =>
      threadHandler({ filename: CPU, threads: { min: 0, max: 2 } });

    it('a number or concurrency.max above it is a ConfigError naming both values', () => {
      expect(() => new WorkerPool({ logger: silent, handler: handler(), concurrency: 3 })).to.throw(
        ConfigError,
        /concurrency: must be at most the handler's threads.max \(2\), got `3`/,
      );
      expect(
        () => new WorkerPool({ logger: silent, handler: handler(), concurrency: { max: 8 } }),
      ).to.throw(
        ConfigError,
        /concurrency.max: must be at most the handler's threads.max \(2\), got `8`/,
      );
      expect(
        () => new WorkerPool({ logger: silent, handler: handler(), concurrency: Infinity }),
      ).to.throw(ConfigError, /got `Infinity`/);
    });

    it('setConcurrency above it throws a RangeError; a defaulted range max is capped', async () => {
      const pool = new WorkerPool({
        logger: silent,
        handler: handler(),
        concurrency: { min: 1, initial: 1 },
      });
      expect(() => pool.setConcurrency(3)).to.throw(RangeError, /from 1 to 2/);
      pool.setConcurrency(2);
      expect(pool.metrics().concurrency).to.equal(2);
      await pool.shutdown();
    });

    it('an Observable value above it is clamped and logged', async () => {
      const limits = new Subject<number>();
      const warnings: string[] = [];
      const logger = Object.assign(Object.create(silent) as typeof silent, {
        warn: (_obj: unknown, message: string) => warnings.push(message),
      });
      const pool = new WorkerPool({ logger, handler: handler(), concurrency: limits });
      limits.next(5);
      expect(pool.metrics().concurrency).to.equal(2);
      expect(warnings.join()).to.contain('clamped');
      await pool.shutdown();
    });

    it('a weight counts against threads.max: a weight-2 task runs on one thread and reserves both', async () => {
      const pool = new WorkerPool<unknown, { threadId: number }>({
        logger: silent,
        handler: threadHandler({ filename: CPU, name: 'whoami', threads: { min: 0, max: 2 } }),
      });
      const light = pool.submit('light');
      const heavy = pool.submit('heavy', { weight: 2 });
      // The light one holds one of the two slots: the heavy one waits for both.
      expect(pool.pending).to.equal(1);
      await light;
      await heavy;
      expect(pool.metrics().succeeded).to.equal(2);
      const refused = await pool.submit('too heavy', { weight: 3 }).catch((error: Error) => error);
      expect(refused).to.be.instanceOf(RangeError).with.property('message').that.contains('2');
      await pool.shutdown();
    });

    it('a thread handler belongs to one pool', async () => {
      const shared = handler();
      const pool = new WorkerPool({ logger: silent, handler: shared });
      expect(() => new WorkerPool({ logger: silent, handler: shared })).to.throw(
        ConfigError,
        /another pool/,
      );
      await pool.shutdown();
    });
  });

  describe('options are checked', () => {
    it('each bad option is named with its value', () => {
      const bad = (options: object): string => {
        try {
          threadHandler(options as Parameters<typeof threadHandler>[0]);
        } catch (error) {
          expect(error).to.be.instanceOf(ConfigError);
          return (error as Error).message;
        }
        throw new Error('accepted');
      };
      expect(bad({ filename: fixture('missing.js') })).to.match(
        /filename: must be an existing file, got .*missing\.js/,
      );
      expect(bad({ filename: 42 })).to.match(/filename: must be a path or a file: URL, got `42`/);
      expect(bad({ filename: CPU, threads: { max: 0 } })).to.match(
        /threads\.max: must be >= 1, got 0/,
      );
      expect(bad({ filename: CPU, threads: { min: 3, max: 2 } })).to.match(
        /threads\.min: must be <= threads\.max \(2\), got 3/,
      );
      expect(bad({ filename: CPU, idleTimeoutMs: -1 })).to.match(
        /idleTimeoutMs: must be >= 0, got -1/,
      );
      expect(bad({ filename: CPU, threads: { max: 1.5 } })).to.match(
        /threads\.max: must be an integer, got 1\.5 \(number\)/,
      );
      expect(bad({ filename: CPU, resourceLimits: { maxOldGenSizeMb: 1 } })).to.match(
        /resourceLimits\.maxOldGenSizeMb: unknown key \(did you mean maxOldGenerationSizeMb\?\)/,
      );
      expect(bad({ filename: CPU, name: '' })).to.match(/name: must be a non-empty string/);
      expect(bad({ filename: CPU, thread: {} })).to.match(
        /thread: unknown key \(did you mean threads\?\)/,
      );
      expect(bad({ filename: CPU, env: { A: 1 } })).to.match(/env: must be an object of string/);
      expect(bad({ filename: CPU, argv: ['a', 2] })).to.match(
        /argv\[1\]: must be a string, got 2 \(number\)/,
      );
      expect(bad({ filename: CPU, execArgv: '--x' })).to.match(
        /execArgv: must be an array, got "--x" \(string\)/,
      );
      expect(bad({ filename: CPU, workerData: { f: () => 1 } })).to.match(
        /workerData: must be structured-cloneable/,
      );
    });
  });

  describe('batches: one message per batch', () => {
    const BATCH = fixture('batch.worker.ts');
    const batchPool = (
      name: string,
      extra: Partial<ConstructorParameters<typeof WorkerPool<number, unknown>>[0]> = {},
    ) =>
      new WorkerPool<number, unknown>({
        logger: silent,
        handler: threadHandler<number, unknown>({
          filename: BATCH,
          name,
          threads: { max: 1 },
          batch: { maxSize: 3 },
        }),
        retry: { maxAttempts: 1 },
        ...extra,
      });

    it('the worker function gets the array; each item gets its own value, or its own failure', async () => {
      const pool = batchPool('double');
      pool.pause();
      const results = [1, -2, 3, 4].map((n, i) =>
        pool.submit(n, { id: `t${i}` }).catch((e: unknown) => e),
      );
      pool.resume();
      const [one, minusTwo, three, four] = await Promise.all(results);
      expect(one).to.deep.include({ n: 2, attempt: 1, size: 3 });
      expect(three).to.deep.include({ n: 6, size: 3 });
      expect(four).to.deep.include({ n: 8, size: 1 });
      expect(minusTwo).to.be.instanceOf(RangeError);
      expect((minusTwo as Error).message).to.equal('negative: -2 (task t1)');
      expect(pool.metrics().batches).to.deep.include({ count: 2, items: 4 });
      expect(pool.metrics().threads?.perThread[0]?.completed).to.equal(2);
      await pool.shutdown();
    });

    it('a throw or a reply of the wrong length fails every item of the call with a BatchError', async () => {
      for (const [name, cause] of [
        ['fail', /the batch call of 2 items failed: the bulk call failed/],
        ['short', /returned 1 results for 2 inputs/],
      ] as const) {
        const pool = batchPool(name);
        pool.pause();
        const results = [1, 2].map((n) => pool.submit(n).catch((e: unknown) => e));
        pool.resume();
        for (const error of await Promise.all(results)) {
          expect(error, name).to.be.instanceOf(BatchError);
          expect((error as Error).message, name).to.match(new RegExp(cause.source, 'i'));
        }
        await pool.shutdown();
      }
    });

    it('a timeout terminates the thread running the call; every item times out', async () => {
      const pool = batchPool('spin', { timeoutMs: 150 });
      pool.pause();
      const results = [1, 2].map((n) => pool.submit(n).catch((e: unknown) => e));
      pool.resume();
      for (const error of await Promise.all(results))
        expect(error).to.be.instanceOf(TaskTimeoutError);
      expect(pool.metrics().timeouts).to.equal(2);
      await pool.shutdown();
    });

    it('its options are checked with the others', () => {
      expect(() => threadHandler({ filename: BATCH, batch: { maxSize: 0 } } as never)).to.throw(
        ConfigError,
        /batch\.maxSize/,
      );
    });
  });

  describe('priorities through threads', () => {
    it('a critical task submitted behind 1,000 low ones starts next', async () => {
      const pool = threadPool<{ text: string; rounds: number }, string>(
        undefined,
        {},
        { min: 2, max: 2 },
      );
      const order: string[] = [];
      const done = lastValueFrom(
        pool.events$.pipe(
          filter((e) => e.type === 'started'),
          toArray(),
        ),
      );
      pool.events$.pipe(filter((e) => e.type === 'started')).subscribe((e) => {
        if ('taskId' in e) order.push(e.taskId);
      });
      const low = Array.from({ length: 1000 }, (_, i) =>
        pool.submit({ text: `low-${i}`, rounds: 50 }, { id: `low-${i}`, priority: 'low' }),
      );
      const critical = pool.submit(
        { text: 'urgent', rounds: 50 },
        { id: 'critical', priority: 'critical' },
      );
      await critical;
      // The two low tasks already on threads, then the critical one.
      expect(order.indexOf('critical')).to.equal(2);
      await Promise.all(low);
      await pool.shutdown();
      await done;
    });
  });
});

/** A flag the `spin` worker sets (through shared memory) once it runs on its thread. */
function spinFlag(): { flag: Int32Array; running: Promise<unknown> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  // Atomics.waitAsync is in Node 16+, not in the ES2022 lib this project compiles against.
  const { waitAsync } = Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: unknown };
  };
  const waiting = waitAsync(flag, 0, 0);
  return { flag, running: Promise.resolve(waiting.value) };
}

/** The first result of `pool` after `act()` submits. */
async function firstResult<I, O>(
  pool: WorkerPool<I, O>,
  act: () => void,
): Promise<TaskResult<I, O>> {
  const result = firstValueFrom(pool.results$);
  act();
  return result;
}

describe('threadHandler in a real process', function () {
  this.timeout(30_000);

  // Killed after 15 s: a thread left referenced would keep the process alive.
  const runThreadsScript = (arg: string): Promise<ScriptOutcome> =>
    runScript(fixture('threads-script.ts'), [arg]);

  it('exits by itself after shutdown() has stopped every thread', async () => {
    expect(await runThreadsScript('shutdown')).to.deep.equal({
      killed: false,
      code: 0,
      stdout: '{"completed":3,"threads":0}\n',
    });
  });

  it('exits by itself with idle threads and no shutdown (threads do not hold the process)', async () => {
    expect(await runThreadsScript('leave')).to.deep.equal({
      killed: false,
      code: 0,
      stdout: '{"digests":3}\n',
    });
  });
});
