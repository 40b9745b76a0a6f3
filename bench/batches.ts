/**
 * Batches (issue 26), the B table, each pair measured side by side in interleaved rounds:
 * - B-in-process: a handler modelled as a bulk API (2 ms a call, for 1 input or up to 100) at
 *   concurrency 4, batched (`maxSize` 100) against unbatched; and at low load (a task every
 *   10 ms, `maxWaitMs` 5), the wait batching adds: p99 of the tasks' queue wait.
 * - B-threads: no-op tasks on 2 threads, `batch: { maxSize: 64 }` against piscina on the same
 *   worker file; ~1 ms CPU tasks batched against unbatched.
 * - B-BullMQ: 20,000 no-op jobs drained by one consumer process at concurrency 16, the pool
 *   with batches of 50 against a plain BullMQ Worker (a local redis-server).
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/batches.ts [--quick] [--rounds N]
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerPool, batchHandler } from '../lib';
import { threadHandler } from '../lib/threads';
import {
  fmtCount,
  fmtMs,
  fmtRatio,
  markdownTable,
  med,
  median,
  parseArgs,
  publishReport,
  quantile,
  runInterleaved,
  type BenchCase,
} from './harness';
import { drain } from './bullmq-drain';
import { redisServerAvailable, startRedisServer } from '../samples/support/local-redis';

const args = parseArgs();
const QUICK = args.quick;
const ROUNDS = args.rounds ?? (QUICK ? 2 : 5);
const silent = { level: 'silent' } as const;

/* B-in-process */

/** The bulk API: one round trip of `CALL_MS`, for 1 input or up to 100. */
const CALL_MS = 2;
const UNBATCHED_TASKS = QUICK ? 1_000 : 2_000;
const BATCHED_TASKS = QUICK ? 20_000 : 100_000;

async function bulkApiRate(batched: boolean): Promise<number> {
  const tasks = batched ? BATCHED_TASKS : UNBATCHED_TASKS;
  const pool = new WorkerPool<number, number>({
    logging: silent,
    concurrency: 4,
    handler: batched
      ? batchHandler(
          async (inputs: number[]) => {
            await sleep(CALL_MS);
            return inputs;
          },
          { maxSize: 100 },
        )
      : async (input) => {
          await sleep(CALL_MS);
          return input;
        },
  });
  const start = performance.now();
  const pending: Promise<number>[] = new Array(tasks);
  for (let i = 0; i < tasks; i++) pending[i] = pool.submit(i);
  await Promise.all(pending);
  const rate = (tasks * 1000) / (performance.now() - start);
  await pool.shutdown();
  return rate;
}

/** Low load: a task every 10 ms; the p99 of the queue wait each task saw (forming included). */
async function lowLoadWaitP99(maxWaitMs: number): Promise<number> {
  const pool = new WorkerPool<number, number>({
    logging: silent,
    concurrency: 4,
    handler: batchHandler(
      async (inputs: number[]) => {
        await sleep(CALL_MS);
        return inputs;
      },
      { maxSize: 100, maxWaitMs },
    ),
  });
  const waits: number[] = [];
  pool.results$.subscribe((result) => waits.push(result.waitMs));
  const pending: Promise<number>[] = [];
  for (let i = 0; i < (QUICK ? 100 : 300); i++) {
    pending.push(pool.submit(i));
    await sleep(10);
  }
  await Promise.all(pending);
  await pool.shutdown();
  return quantile(
    waits.sort((a, b) => a - b),
    0.99,
  );
}

/* B-threads */

const THREADS = 2;
const NOOPS = QUICK ? 20_000 : 100_000;
const CPU_TASKS = QUICK ? 1_000 : 4_000;
const WORKER = path.join(__dirname, 'workers', 'cpu.worker.js');
interface CpuTask {
  seed: string;
  rounds: number;
}
const NOOP: CpuTask = { seed: '', rounds: 0 };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { calibrate } = require('./workers/cpu-work') as { calibrate: () => number };
/** ~1 ms of SHA-256 on this machine (calibrated as bench/threads.ts does). */
const ONE_MS: CpuTask = { seed: 'x', rounds: calibrate() };

type Runner = { run: (task: CpuTask) => Promise<unknown>; close: () => Promise<unknown> };

async function threadRunners(): Promise<Record<string, Runner>> {
  const single = new WorkerPool<CpuTask, number>({
    logging: silent,
    handler: threadHandler({ filename: WORKER, threads: { min: THREADS, max: THREADS } }),
  });
  const batched = new WorkerPool<CpuTask, number>({
    logging: silent,
    handler: threadHandler({
      filename: WORKER,
      name: 'batch',
      threads: { min: THREADS, max: THREADS },
      batch: { maxSize: 64 },
    }),
  });
  const { Piscina } = await import('piscina');
  const piscina = new Piscina({ filename: WORKER, minThreads: THREADS, maxThreads: THREADS });
  return {
    'pool, batch 64': { run: (t) => batched.submit(t), close: () => batched.shutdown() },
    'pool, one task a message': { run: (t) => single.submit(t), close: () => single.shutdown() },
    piscina: { run: (t) => piscina.run(t), close: () => piscina.destroy() },
  };
}

async function rateOf(runner: Runner, task: CpuTask, count: number): Promise<number> {
  const start = performance.now();
  const pending: Promise<unknown>[] = new Array(count);
  for (let i = 0; i < count; i++) pending[i] = runner.run(task);
  await Promise.all(pending);
  return (count * 1000) / (performance.now() - start);
}

/* B-BullMQ */

const JOBS = QUICK ? 4_000 : 20_000;

async function bullmqRates(): Promise<
  { whole: Record<string, number[]>; steady: Record<string, number[]> } | undefined
> {
  if (!process.env.REDIS_URL && !redisServerAvailable()) return undefined;
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url = process.env.REDIS_URL ?? (server as { url: string }).url;
  const rates: Record<string, number[]> = {};
  const steady: Record<string, number[]> = {};
  const cases = [
    ['pool, batches of 50', 'pool-batch'],
    ['BullMQ Worker', 'worker'],
  ] as const;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < cases.length; k++) {
        const [label, kind] = cases[(r + k) % cases.length];
        const rate = await drain(url, kind, 1, 0, JOBS, 16);
        (rates[label] ??= []).push(rate.whole);
        (steady[label] ??= []).push(rate.steady);
        console.error(
          `B-BullMQ ${label}: ${fmtCount(rate.whole)} jobs/s (steady ${fmtCount(rate.steady)})`,
        );
      }
    }
  } finally {
    await server?.stop();
  }
  return { whole: rates, steady };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const inProcess = await runInterleaved(
    [
      { name: 'batched', run: () => bulkApiRate(true) },
      { name: 'unbatched', run: () => bulkApiRate(false) },
    ],
    { rounds: ROUNDS, warmupRounds: 1 },
  );
  const waits = await runInterleaved([{ name: 'maxWaitMs 5', run: () => lowLoadWaitP99(5) }], {
    rounds: ROUNDS,
  });

  const runners = await threadRunners();
  const threadCase = (name: string, task: CpuTask, count: number): BenchCase => ({
    name,
    run: () => rateOf(runners[name], task, count),
  });
  const noop = await runInterleaved(
    Object.keys(runners).map((name) => threadCase(name, NOOP, NOOPS)),
    { rounds: ROUNDS, warmupRounds: 1 },
  );
  const cpu = await runInterleaved(
    ['pool, batch 64', 'pool, one task a message'].map((name) =>
      threadCase(name, ONE_MS, CPU_TASKS),
    ),
    { rounds: ROUNDS, warmupRounds: 1 },
  );
  for (const runner of Object.values(runners)) await runner.close();

  const bullmq = await bullmqRates();

  const batched = med(inProcess, 'batched');
  const unbatched = med(inProcess, 'unbatched');
  const waitP99 = med(waits, 'maxWaitMs 5');
  const noopOurs = med(noop, 'pool, batch 64');
  const noopPiscina = med(noop, 'piscina');
  const cpuBatched = med(cpu, 'pool, batch 64');
  const cpuSingle = med(cpu, 'pool, one task a message');
  const mark = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const rows: string[][] = [
    [
      'B-in-process: bulk API (2 ms a call), concurrency 4',
      `batched ${fmtCount(batched)}/s, unbatched ${fmtCount(unbatched)}/s: **${fmtRatio(batched / unbatched)}**`,
      '>= 30x',
      mark(batched / unbatched >= 30),
    ],
    [
      'B-in-process: wait added at low load (a task every 10 ms, maxWaitMs 5)',
      `p99 ${fmtMs(waitP99)} ms`,
      '<= 7 ms',
      mark(waitP99 <= 7),
    ],
    [
      `B-threads: no-op, ${THREADS} threads, batch 64 vs piscina (same worker file)`,
      `${fmtCount(noopOurs)}/s vs ${fmtCount(noopPiscina)}/s: **${fmtRatio(noopOurs / noopPiscina)}** (one task a message: ${fmtCount(med(noop, 'pool, one task a message'))}/s)`,
      '>= 5x',
      mark(noopOurs / noopPiscina >= 5),
    ],
    [
      'B-threads: ~1 ms CPU tasks, batched vs unbatched',
      `${fmtCount(cpuBatched)}/s vs ${fmtCount(cpuSingle)}/s: **${fmtRatio(cpuBatched / cpuSingle)}**`,
      '>= 1.0x',
      mark(cpuBatched / cpuSingle >= 1),
    ],
  ];
  if (bullmq !== undefined) {
    const ours = median(bullmq.whole['pool, batches of 50']);
    const worker = median(bullmq.whole['BullMQ Worker']);
    const oursSteady = median(bullmq.steady['pool, batches of 50']);
    const workerSteady = median(bullmq.steady['BullMQ Worker']);
    rows.push([
      `B-BullMQ: ${fmtCount(JOBS)} no-op jobs, concurrency 16, batches of 50 vs a BullMQ Worker`,
      `${fmtCount(ours)}/s vs ${fmtCount(worker)}/s: **${fmtRatio(ours / worker)}** (steady, after the first 10 %: ${fmtCount(oursSteady)}/s vs ${fmtCount(workerSteady)}/s, ${fmtRatio(oursSteady / workerSteady)})`,
      '>= 1.5x',
      mark(ours / worker >= 1.5),
    ]);
  } else {
    rows.push(['B-BullMQ', 'not run: no redis-server and no REDIS_URL', '>= 1.5x', '']);
  }
  const report = [
    markdownTable(['case', 'measured (medians)', 'target', ''], rows),
    '',
    `- ${ROUNDS} interleaved rounds per pair, medians; wall time ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`,
    `- In-process: ${fmtCount(BATCHED_TASKS)} tasks batched, ${fmtCount(UNBATCHED_TASKS)} unbatched (at ~2,000/s it would take a minute per round otherwise); the low-load wait is the tasks' \`waitMs\`, forming included.`,
    `- Threads: ${fmtCount(NOOPS)} no-op and ${fmtCount(CPU_TASKS)} CPU tasks per sample; the batch worker is \`batch\`, a named export of the same file (\`tasks.map(work)\`).`,
  ].join('\n');
  publishReport('batches', 'Batches', report, args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
