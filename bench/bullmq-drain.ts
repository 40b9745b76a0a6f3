/**
 * The consumer processes of the BullMQ benches (bench/bullmq.ts, bench/batches.ts) and the
 * drain they are timed on: a queue pre-filled with `jobs` jobs, emptied by `processes`
 * consumers of one kind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Queue, QueueEvents } from 'bullmq';

/** What consumes: a pool fed by consumeBullMQ (one task per job, or batches), or a plain Worker. */
export type ConsumerKind = 'pool' | 'pool-batch' | 'worker';

let serial = 0;

export interface Consumer {
  child: ChildProcess;
  exited: Promise<unknown>;
}

export function startConsumer(
  kind: ConsumerKind,
  url: string,
  queueName: string,
  jobMs: number,
  concurrency: number,
  lockDurationMs?: number,
): Promise<Consumer> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'bullmq-consumer.ts'),
      kind,
      url,
      queueName,
      String(concurrency),
      String(jobMs),
      ...(lockDurationMs === undefined ? [] : [String(lockDurationMs)]),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') resolve({ child, exited });
    }),
  );
}

/** What one drain measured, in jobs/s. */
export interface DrainRate {
  /** From the moment every consumer is ready to the last job: a cold process included. */
  whole: number;
  /** From the first 10 % of the backlog done to the last job: warmed-up code only. */
  steady: number;
}

/** Jobs/s: `consumers` processes drain a queue pre-filled with jobs jobs. */
export async function drain(
  url: string,
  kind: ConsumerKind,
  processes: number,
  jobMs: number,
  jobs: number,
  concurrency: number,
): Promise<DrainRate> {
  const name = `bench-${process.pid}-${++serial}`;
  const connection = { url };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  // Filled before any consumer starts, so every case drains the same backlog.
  for (let i = 0; i < jobs; i += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, jobs - i) }, () => ({ name: 'j', data: 0 })),
    );
  }
  let completed = 0;
  // A fresh consumer process compiles and optimizes its code on the first jobs (ts-node too):
  // the steady rate starts once a tenth of the backlog is done.
  const warm = { at: 0, count: 0 };
  const done = new Promise<void>((resolve) =>
    events.on('completed', () => {
      if (++completed === Math.ceil(jobs / 10)) {
        warm.at = performance.now();
        warm.count = completed;
      }
      if (completed === jobs) resolve();
    }),
  );
  const started = performance.now();
  const consumers = await Promise.all(
    Array.from({ length: processes }, () => startConsumer(kind, url, name, jobMs, concurrency)),
  );
  // Process start-up is not consumption: count from the moment all are ready.
  const from = performance.now();
  const before = completed;
  await done;
  const end = performance.now();
  const seconds = (end - from) / 1000;
  void started;
  for (const c of consumers) c.child.kill('SIGTERM');
  await Promise.all(consumers.map((c) => c.exited));
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    whole: (jobs - before) / seconds,
    steady: warm.at > from ? ((jobs - warm.count) * 1000) / (end - warm.at) : NaN,
  };
}
