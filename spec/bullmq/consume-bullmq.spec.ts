import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { batchHandler, BatchItemFailure } from '../../lib/task/batch-handler';
import { ConfigError } from '../../lib/errors/config-error';
import { Priority } from '../../lib/task/priority';
import type { TaskResult } from '../../lib/task/task';
import {
  BULLMQ_PREFETCH,
  consumeBullMQ,
  fromBullMQPriority,
  toBullMQPriority,
} from '../../lib/bullmq';
import { fromUrl } from '../../lib/bullmq/consume-bullmq';
import { silent } from '../support/pool-fixtures';
import { useRedisServer } from '../support/redis-server';

describe('BullMQ priorities', () => {
  it('maps the four levels to 1..4 and back; none is normal; others go to the nearest level', () => {
    expect(
      ['critical', 'high', 'normal', 'low'].map((p) => toBullMQPriority(p as 'low')),
    ).to.deep.equal([1, 2, 3, 4]);
    expect(toBullMQPriority(Priority.HIGH)).to.equal(2);
    expect([1, 2, 3, 4].map(fromBullMQPriority)).to.deep.equal([
      Priority.CRITICAL,
      Priority.HIGH,
      Priority.NORMAL,
      Priority.LOW,
    ]);
    expect(fromBullMQPriority(undefined)).to.equal(Priority.NORMAL);
    expect(fromBullMQPriority(0)).to.equal(Priority.NORMAL);
    expect(fromBullMQPriority(2.4)).to.equal(Priority.HIGH);
    expect(fromBullMQPriority(99)).to.equal(Priority.LOW);
    expect(() => toBullMQPriority('urgent' as 'low')).to.throw(TypeError, /priority/);
  });
});

describe('consumeBullMQ options', () => {
  const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
  after(() => pool.shutdown());

  it('names each bad option with its value', () => {
    const message = (options: object): string => {
      try {
        consumeBullMQ(pool, options as Parameters<typeof consumeBullMQ>[1]);
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(message({ connection: {} })).to.match(/queueName: is required/);
    expect(message({ queueName: '', connection: {} })).to.match(
      /queueName: must be a non-empty string/,
    );
    expect(message({ queueName: 'a:b', connection: {} })).to.match(
      /queueName: must not contain ':'/,
    );
    expect(message({ queueName: 'q', connection: 'redis://x' })).to.match(
      /connection: must be an object, got "redis:\/\/x" \(string\)/,
    );
    expect(message({ queueName: 'q', connection: { url: 'http://x' } })).to.match(
      /connection.url: must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(message({ queueName: 'q', connection: {}, lockDurationMs: 0 })).to.match(
      /lockDurationMs: must be > 0, got 0/,
    );
    expect(message({ queueName: 'q', connection: {}, lockDurationMs: 2 ** 31 })).to.match(
      /lockDurationMs: must be <= 2147483647, got 2147483648/,
    );
    expect(message({ queueName: 'q', connection: {}, lockDuration: 5 })).to.match(
      /lockDuration: unknown key \(did you mean lockDurationMs\?\)/,
    );
  });

  it('reads a redis:// URL into ioredis options, as ioredis itself parses it', () => {
    expect(fromUrl('redis://user:p%40ss@10.0.0.2:6380/3')).to.deep.include({
      host: '10.0.0.2',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 3,
    });
    expect(fromUrl('rediss://cache')).to.deep.include({ host: 'cache', port: 6379, tls: true });
    expect(fromUrl('redis://[::1]:7000?family=6')).to.deep.include({ host: '::1', family: 6 });
  });
});

describe('consumeBullMQ against a real Redis', function () {
  this.timeout(20_000);
  const redis = useRedisServer(this);
  let serial = 0;
  const queues: Queue[] = [];
  /** A fresh queue per spec, closed after it. */
  const newQueue = (): { name: string; queue: Queue } => {
    const name = `spec-${process.pid}-${++serial}`;
    const queue = new Queue(name, { connection: { host: redis().host, port: redis().port } });
    queues.push(queue);
    return { name, queue };
  };
  const connection = (): { url: string } => ({ url: redis().url });
  const pools: WorkerPool<never, unknown>[] = [];
  /** Shut down after the spec even when it fails, so no consumer outlives its Redis. */
  const track = <P>(pool: P): P => (
    pools.push(pool as unknown as WorkerPool<never, unknown>),
    pool
  );
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.shutdown({ timeoutMs: 0 })));
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  /** A handler whose calls wait until the spec releases them, and a log of what started. */
  function gate<I>(): {
    handler: (input: I, ctx: { signal: AbortSignal }) => Promise<string>;
    started: I[];
    release: () => void;
    releaseOne: () => void;
  } {
    const started: I[] = [];
    const waiting: (() => void)[] = [];
    let open = false;
    return {
      started,
      handler: (input, { signal }) =>
        new Promise<string>((resolve, reject) => {
          started.push(input);
          const done = (): void => resolve(`done ${String(input)}`);
          if (open) done();
          else waiting.push(done);
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      release: () => {
        open = true;
        for (const done of waiting.splice(0)) done();
      },
      releaseOne: () => waiting.shift()?.(),
    };
  }

  it('runs each job as a task (input, id, priority) and completes it with the value', async () => {
    const { name, queue } = newQueue();
    const pool = track(
      new WorkerPool<{ n: number }, number>({
        logger: silent,
        handler: ({ n }) => n * 2,
      }),
    );
    await queue.add('double', { n: 21 }, { jobId: 'job-21', priority: toBullMQPriority('high') });
    await queue.add('double', { n: 4 });
    const results$ = consumeBullMQ(pool, { queueName: name, connection: connection() });
    // Each result comes once its job's state is in Redis.
    const states: string[] = [];
    const results = await lastValueFrom(results$.pipe(take(2), toArray()));
    for (const result of results) states.push(await queue.getJobState(result.task.id));
    const byId = new Map(results.map((r) => [r.task.id, r]));
    expect(byId.get('job-21')).to.deep.include({ status: 'succeeded', value: 42 });
    expect(byId.get('job-21')?.task.priority).to.equal(Priority.HIGH);
    expect([...byId.values()].find((r) => r.task.id !== 'job-21')?.task.priority).to.equal(
      Priority.NORMAL,
    );
    expect(states).to.deep.equal(['completed', 'completed']);
    expect((await queue.getJob('job-21'))?.returnvalue).to.equal(42);
    await pool.shutdown();
  });

  it('keyOf and weightOf give each task its key and weight: key limits hold in the process', async () => {
    const { name, queue } = newQueue();
    const running = new Map<string, number>();
    let most = 0;
    const pool = track(
      new WorkerPool<{ tenant: string; n: number }, number>({
        logger: silent,
        concurrency: 4,
        keys: { concurrency: 1 },
        handler: async ({ tenant, n }) => {
          running.set(tenant, (running.get(tenant) ?? 0) + 1);
          most = Math.max(most, running.get(tenant) ?? 0);
          await Promise.resolve();
          running.set(tenant, (running.get(tenant) ?? 0) - 1);
          return n;
        },
      }),
    );
    await queue.addBulk(
      [1, 2, 3, 4, 5, 6].map((n) => ({
        name: 'job',
        data: { tenant: n % 3 === 0 ? 'b' : 'a', n },
        opts: { jobId: `k${n}` },
      })),
    );
    const results = await lastValueFrom(
      consumeBullMQ(pool, {
        queueName: name,
        connection: connection(),
        keyOf: (job) => (job.data as { tenant: string }).tenant,
        weightOf: (job) => ((job.data as { n: number }).n === 6 ? 2 : 1),
      }).pipe(take(6), toArray()),
    );
    expect(results.every((r) => r.status === 'succeeded')).to.equal(true);
    expect(most).to.equal(1); // one task per tenant at a time
    const six = results.find((r) => r.task.id === 'k6');
    expect(six?.task).to.deep.include({ key: 'b', weight: 2 });
    await pool.shutdown();
  });

  it('a keyOf that throws, or a weight the pool refuses, fails the job with that error', async () => {
    const { name, queue } = newQueue();
    const pool = track(
      new WorkerPool<string, string>({ logger: silent, concurrency: 2, handler: (x) => x }),
    );
    await queue.add('job', 'heavy', { jobId: 'w' });
    const [result] = await lastValueFrom(
      consumeBullMQ(pool, { queueName: name, connection: connection(), weightOf: () => 3 }).pipe(
        take(1),
        toArray(),
      ),
    );
    expect(result.status).to.equal('failed');
    expect((await queue.getJob('w'))?.failedReason).to.match(/`weight` 3 is above `concurrency` 2/);
    await pool.shutdown();
  });

  it('fails the job with the error after the pool retries; BullMQ attempts redeliver it', async () => {
    const { name, queue } = newQueue();
    let calls = 0;
    const pool = track(
      new WorkerPool<string, string>({
        logger: silent,
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
        handler: () => {
          calls++;
          throw new TypeError(`bad input (call ${calls})`);
        },
      }),
    );
    await queue.add('bad', 'x', { jobId: 'bad-1', attempts: 2 });
    const results = await lastValueFrom(
      consumeBullMQ(pool, { queueName: name, connection: connection() }).pipe(take(2), toArray()),
    );
    // Two deliveries, each one result after two pool attempts: 4 calls, never silently more.
    expect(results.map((r) => [r.status, r.attempts])).to.deep.equal([
      ['failed', 2],
      ['failed', 2],
    ]);
    expect(calls).to.equal(4);
    const job = await queue.getJob('bad-1');
    expect(await job?.getState()).to.equal('failed');
    expect(job?.failedReason).to.equal('bad input (call 4)');
    expect(job?.attemptsMade).to.equal(2);
    await pool.shutdown();
  });

  it('a value Redis cannot store: the job is failed, and so is its result', async () => {
    const { name, queue } = newQueue();
    const pool = track(
      new WorkerPool<string, unknown>({
        logger: silent,
        handler: (kind) => {
          if (kind === 'bigint') return 10n;
          const circular: Record<string, unknown> = {};
          circular.self = circular;
          return circular;
        },
      }),
    );
    await queue.add('v', 'bigint', { jobId: 'bigint' });
    await queue.add('v', 'circular', { jobId: 'circular' });
    // BullMQ also reports the failed write as a consumer 'error': not for the spec's output.
    const options = { queueName: name, connection: connection(), logger: silent };
    const results = await lastValueFrom(consumeBullMQ(pool, options).pipe(take(2), toArray()));
    for (const result of results) {
      expect(result.status).to.equal('failed');
      expect(result.value).to.equal(undefined);
      expect(result.error).to.be.instanceOf(TypeError);
      expect(await queue.getJobState(result.task.id)).to.equal('failed');
    }
    expect(results.find((r) => r.task.id === 'bigint')?.error?.message).to.match(/BigInt/);
    await pool.shutdown();
  });

  it('holds at most the concurrency limit plus the prefetch, following the limit', async () => {
    const { name, queue } = newQueue();
    const { handler, release, releaseOne } = gate<number>();
    const pool = track(new WorkerPool<number, string>({ logger: silent, handler, concurrency: 2 }));
    await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'n', data: i })));
    const queued = (count: number): Promise<unknown> =>
      firstValueFrom(
        pool.events$.pipe(
          filter((e) => e.type === 'queued'),
          take(count),
          toArray(),
        ),
      );
    const firstBatch = queued(2 + BULLMQ_PREFETCH);
    const sub = consumeBullMQ(pool, { queueName: name, connection: connection() }).subscribe();
    await firstBatch;
    expect(await queue.getActiveCount()).to.equal(2 + BULLMQ_PREFETCH);
    expect(pool.pending).to.equal(2);
    expect(pool.size).to.equal(BULLMQ_PREFETCH);
    // A raised limit lets it take more, up to the new limit plus the prefetch (BullMQ applies it
    // when its next job ends).
    const secondBatch = queued(3);
    pool.setConcurrency(4);
    releaseOne();
    await secondBatch;
    expect(await queue.getActiveCount()).to.equal(4 + BULLMQ_PREFETCH);
    release();
    sub.unsubscribe();
    await pool.shutdown();
  });

  it('with a batch handler: jobs go in batches, each completed or failed on its own; the fetch bound covers full batches', async () => {
    const { name, queue } = newQueue();
    const calls: number[][] = [];
    const pool = track(
      new WorkerPool<number, number>({
        logger: silent,
        concurrency: 2,
        retry: { maxAttempts: 1 },
        handler: batchHandler(
          async (ns: number[]) => {
            calls.push(ns);
            return ns.map((n) => (n === 13 ? new BatchItemFailure(new Error('unlucky')) : n * 2));
          },
          { maxSize: 10, maxWaitMs: 300 },
        ),
      }),
    );
    await queue.addBulk(
      Array.from({ length: 30 }, (_, i) => ({ name: 'n', data: i, opts: { jobId: `b${i}` } })),
    );
    const results = await lastValueFrom(
      consumeBullMQ(pool, { queueName: name, connection: connection() }).pipe(take(30), toArray()),
    );
    expect(results.filter((r) => r.status === 'succeeded')).to.have.length(29);
    expect(await queue.getJobState('b13')).to.equal('failed');
    expect((await queue.getJob('b13'))?.failedReason).to.equal('unlucky');
    expect((await queue.getJob('b7'))?.returnvalue).to.equal(14);
    // Two slots of 10 units plus the prefetch: the consumer held enough jobs to fill batches.
    expect(Math.max(...calls.map((call) => call.length))).to.equal(10);
    expect(calls.flat().sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 30 }, (_, i) => i),
    );
    await pool.shutdown();
  });

  it('shutdown returns unstarted and aborted jobs to waiting (not failed, not stalled), then completes', async () => {
    const { name, queue } = newQueue();
    const { handler, started } = gate<number>();
    const pool = track(new WorkerPool<number, string>({ logger: silent, handler, concurrency: 1 }));
    await queue.addBulk(
      Array.from({ length: 6 }, (_, i) => ({ name: 'n', data: i, opts: { jobId: `j${i}` } })),
    );
    const held = firstValueFrom(
      pool.events$.pipe(
        filter((e) => e.type === 'queued'),
        take(1 + BULLMQ_PREFETCH),
        toArray(),
      ),
    );
    const results: TaskResult<number, string>[] = [];
    const completed = new Promise<void>((resolve) =>
      consumeBullMQ(pool, { queueName: name, connection: connection() }).subscribe({
        next: (r) => results.push(r),
        complete: resolve,
      }),
    );
    await held;
    expect(started).to.have.length(1);
    const report = await pool.shutdown({ timeoutMs: 0 });
    await completed;
    expect(report.aborted.map((t) => t.id)).to.deep.equal(['j0']);
    expect(report.cancelled.map((t) => t.id)).to.deep.equal(['j1', 'j2']);
    // Written before the shutdown resolved: every job is waiting again, none failed.
    expect(await queue.getJobCounts('waiting', 'active', 'failed', 'completed')).to.deep.equal({
      waiting: 6,
      active: 0,
      failed: 0,
      completed: 0,
    });
    expect(results.map((r) => r.status)).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
    const job = (await queue.getJob('j0')) as Job;
    expect(job.attemptsMade).to.equal(0);
    expect(job.stalledCounter ?? 0).to.equal(0);
  });

  it('unsubscribing returns this consumer\u2019s jobs and leaves the pool running', async () => {
    const { name, queue } = newQueue();
    const { handler, release } = gate<number>();
    const pool = track(new WorkerPool<number, string>({ logger: silent, handler, concurrency: 1 }));
    await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'n', data: i })));
    const held = firstValueFrom(
      pool.events$.pipe(
        filter((e) => e.type === 'queued'),
        take(1 + BULLMQ_PREFETCH),
        toArray(),
      ),
    );
    const sub = consumeBullMQ(pool, {
      queueName: name,
      connection: connection(),
      unsubscribeTimeoutMs: 0,
    }).subscribe();
    await held;
    // BullMQ's own event stream says when each held job is waiting again (read from its start:
    // events written before the reader's first XREAD would otherwise be missed).
    const events = new QueueEvents(name, {
      connection: { host: redis().host, port: redis().port },
      lastEventId: '0-0',
    });
    const backToWaiting = new Promise<void>((resolve) => {
      let returned = 0;
      events.on('waiting', ({ prev }) => {
        if (prev === 'active' && ++returned === 1 + BULLMQ_PREFETCH) resolve();
      });
    });
    sub.unsubscribe();
    await backToWaiting;
    await events.close();
    expect(await queue.getJobCounts('waiting', 'active', 'failed')).to.deep.equal({
      waiting: 4,
      active: 0,
      failed: 0,
    });
    // The pool goes on serving other work.
    release();
    expect(await pool.submit(7)).to.equal('done 7');
    await pool.shutdown();
  });

  it('a job redelivered while its task still runs joins that task: one result, completed once', async () => {
    // An outage longer than the lock (here: the lock key deleted) makes the stalled check move
    // a running job back to wait, and this same consumer fetches it again while its first
    // task still runs in the pool.
    const { name, queue } = newQueue();
    const lockDurationMs = 400;
    let calls = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstCall!: () => void;
    const running = new Promise<void>((resolve) => (firstCall = resolve));
    const pool = track(
      new WorkerPool<string, string>({
        logger: silent,
        handler: async (input) => {
          calls++;
          firstCall();
          await released;
          return `done ${input}`;
        },
        concurrency: 2,
      }),
    );
    const results: TaskResult<string, string>[] = [];
    const consumer = consumeBullMQ(pool, {
      queueName: name,
      connection: connection(),
      lockDurationMs,
      logger: silent,
    }).subscribe((result) => results.push(result));
    const events = new QueueEvents(name, {
      connection: { host: redis().host, port: redis().port },
    });
    try {
      await events.waitUntilReady();
      await queue.add('n', 'x', { jobId: 'r1' });
      await running;
      const redelivered = new Promise<void>((resolve) => {
        const onActive = ({ jobId, prev }: { jobId: string; prev?: string }): void => {
          if (jobId === 'r1' && prev === 'waiting') {
            events.off('active', onActive);
            resolve();
          }
        };
        events.on('active', onActive);
      });
      const admin = new Redis(redis().port, redis().host);
      await admin.del(`bull:${name}:r1:lock`);
      admin.disconnect();
      await redelivered;
      const completed = new Promise<void>((resolve) =>
        events.once('completed', ({ jobId }) => jobId === 'r1' && resolve()),
      );
      release();
      await completed;
      await pool.onIdle();
      expect(calls, 'the handler ran once').to.equal(1);
      expect(await queue.getJobState('r1')).to.equal('completed');
      expect(results.map((r) => [r.task.id, r.status, r.value])).to.deep.equal([
        ['r1', 'succeeded', 'done x'],
      ]);
    } finally {
      consumer.unsubscribe();
      await events.close();
    }
  });

  // How fast (within 2 x lockDurationMs) is measured in bench/bullmq.ts (B3), not asserted here.
  it('brings the jobs of a SIGKILLed consumer back to another consumer', async () => {
    const { name, queue } = newQueue();
    const lockDurationMs = 1_000;
    await queue.addBulk(
      Array.from({ length: 2 }, (_, i) => ({ name: 'n', data: 'hang', opts: { jobId: `k${i}` } })),
    );
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        path.join(__dirname, 'fixtures', 'consumer.ts'),
        String(redis().port),
        name,
        String(lockDurationMs),
      ],
      { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout! });
    let startedInChild = 0;
    await new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        if (line.startsWith('started ') && ++startedInChild === 2) resolve();
      }),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // A second consumer (this process) with the same lock settings takes them over.
    const pool = track(
      new WorkerPool<string, string>({
        logger: silent,
        handler: () => 'recovered',
        concurrency: 2,
      }),
    );
    const results = await lastValueFrom(
      consumeBullMQ(pool, { queueName: name, connection: connection(), lockDurationMs }).pipe(
        take(2),
        toArray(),
      ),
    );
    expect(results.map((r) => r.value)).to.deep.equal(['recovered', 'recovered']);
    expect(await queue.getJobCounts('completed')).to.deep.equal({ completed: 2 });
    await pool.shutdown();
  });
});
