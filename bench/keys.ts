/**
 * Keys and weights (issue 25), the K table:
 * - K1: 200k no-op tasks over 10,000 keys (key concurrency 4, pool 64) against W1 (no keys),
 *   each sample in a fresh process, interleaved rounds; bottleneck's Group on the same keys
 *   (a slice: it runs a few hundred tasks a second).
 * - K2: key A has 100,000 tasks queued, then key B submits 100 at the same priority: how many
 *   completions it takes until all of B's are done; p-queue and async.queue beside it.
 * - K3: 100 keys with equal backlogs, 1 ms tasks: Jain's fairness index of the completions per
 *   key in each second.
 * - K4: limit 8, 1 ms tasks, 90 % weight 1 and 10 % weight 8, a deep queue: slot utilisation,
 *   every weight-8 task starts, p99 waits by weight; bottleneck's weights beside it.
 * (K0, keys unused against the commit before, is bench/ab.ts.)
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/keys.ts [--quick] [--rounds N]
 */
import Bottleneck from 'bottleneck';
import { queue as asyncQueue } from 'async';
import { WorkerPool } from '../lib/pool/worker-pool';
import {
  fmtCount,
  fmtRatio,
  isolatedCase,
  markdownTable,
  med,
  parseArgs,
  perSecond,
  publishReport,
  runChildCase,
  runInterleaved,
  type Rate,
} from './harness';
import { CONCURRENCY, noop, poolOptions, randomPriorities, submitAll, PQueue } from './workloads';
import type { Priority } from '../lib/task/priority';

const args = parseArgs();
const QUICK = args.quick;
const SIZE = QUICK ? 50_000 : 200_000;
const KEYS = 10_000;
const ROUNDS = args.rounds ?? (QUICK ? 3 : 7);
const PRIORITIES = randomPriorities(SIZE);
const prio = (i: number): Priority => PRIORITIES[i] as Priority;

const KEY_NAMES = Array.from({ length: KEYS }, (_, i) => `k${i}`);
const W1 = 'W1 pool, no keys';
const K1 = `K1 pool, ${fmtCount(KEYS)} keys (key concurrency 4)`;

/** K1's bodies, each run in a fresh process. */
const BODIES: Record<string, (n: number) => Promise<Rate>> = {
  [W1]: async (n) => {
    const pool = new WorkerPool<number, void>(poolOptions('full', noop));
    const rate = await perSecond(n, () => submitAll(pool, n, prio));
    await pool.shutdown();
    return rate;
  },
  [K1]: async (n) => {
    const pool = new WorkerPool<number, void>({
      ...poolOptions('full', noop),
      keys: { concurrency: 4 },
    });
    // The keys exist before the run (tenant ids an application already holds): the loop
    // times the pool, not the making of 200k strings.
    const rate = await perSecond(n, () => {
      for (let i = 0; i < n; i++)
        void pool.submit(i, { priority: prio(i), key: KEY_NAMES[i % KEYS] });
      return pool.onIdle();
    });
    if (pool.metrics().succeeded !== n) throw new Error('K1: lost tasks');
    await pool.shutdown();
    return rate;
  },
};

/** bottleneck's Group on K1's keys: a slice of the tasks (it is slow), tasks per second. */
async function bottleneckGroup(n: number): Promise<number> {
  const group = new Bottleneck.Group({ maxConcurrent: 4 });
  const started = performance.now();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) all.push(group.key(KEY_NAMES[i % KEYS]).schedule(noop));
  await Promise.all(all);
  const rate = (n * 1000) / (performance.now() - started);
  await Promise.all(group.limiters().map(({ limiter }) => limiter.disconnect()));
  return rate;
}

/** K2: completions from B's arrival until B's 100 are all done. */
async function k2Pool(): Promise<number> {
  const pool = new WorkerPool<string, void>({
    logging: { level: 'silent' },
    concurrency: CONCURRENCY,
    handler: noop,
  });
  pool.pause();
  for (let i = 0; i < 100_000; i++) void pool.submit('a', { key: 'A' });
  let completions = 0;
  let bDone = 0;
  let at = 0;
  const all: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) {
    all.push(
      pool.submit('b', { key: 'B' }).then(() => {
        if (++bDone === 100) at = completions;
      }),
    );
  }
  pool.results$.subscribe(() => completions++);
  pool.resume();
  await Promise.all(all);
  await pool.onIdle();
  await pool.shutdown();
  return at + 1;
}

async function k2PQueue(): Promise<number> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  let completions = 0;
  queue.pause();
  for (let i = 0; i < 100_000; i++) void queue.add(async () => void completions++);
  const b: Promise<unknown>[] = [];
  for (let i = 0; i < 100; i++) b.push(queue.add(async () => void completions++));
  queue.start();
  await Promise.all(b);
  const at = completions;
  await queue.onIdle();
  return at;
}

async function k2Async(): Promise<number> {
  let completions = 0;
  const queue = asyncQueue<number>(async () => void completions++, CONCURRENCY);
  queue.pause();
  for (let i = 0; i < 100_000; i++) void queue.push(i);
  const b: Promise<unknown>[] = [];
  for (let i = 0; i < 100; i++) b.push(queue.push(i));
  queue.resume();
  await Promise.all(b);
  const at = completions;
  // drain() of an already drained queue never resolves.
  if (!queue.idle()) await queue.drain();
  return at;
}

const sleep1 = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** K3: Jain's index of completions per key in each whole second of a 100-key backlog. */
async function k3(): Promise<number[]> {
  const seconds = QUICK ? 2 : 4;
  const keys = 100;
  const pool = new WorkerPool<number, void>({
    logging: { level: 'silent' },
    concurrency: CONCURRENCY,
    handler: sleep1,
  });
  const started = performance.now();
  const perSecondPerKey: number[][] = [];
  pool.results$.subscribe((result) => {
    const second = Math.floor((performance.now() - started) / 1000);
    if (second >= seconds) return;
    perSecondPerKey[second] ??= new Array<number>(keys).fill(0);
    perSecondPerKey[second][Number(result.task.key?.slice(1))]++;
  });
  // Enough for every key to have work for the whole run.
  const backlog = Math.ceil((seconds * 40_000) / keys);
  for (let k = 0; k < keys; k++) {
    for (let i = 0; i < backlog; i++) void pool.submit(i, { key: `k${k}` }).catch(() => undefined);
  }
  await new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000 + 50));
  await pool.shutdown({ timeoutMs: 0 });
  const jain = (x: number[]): number => {
    const sum = x.reduce((a, b) => a + b, 0);
    const squares = x.reduce((a, b) => a + b * b, 0);
    return (sum * sum) / (x.length * squares);
  };
  return perSecondPerKey.map(jain);
}

interface K4 {
  utilisation: number;
  heavyStarted: number;
  heavyTotal: number;
  p99Light: number;
  p99Heavy: number;
  tasksPerSec: number;
}

/** A deep queue of 1 ms tasks, 10 % of weight 8, under a limit of 8: how well slots are used. */
function k4Tasks(): number[] {
  const count = QUICK ? 2_000 : 5_000;
  return Array.from({ length: count }, (_, i) => (i % 10 === 9 ? 8 : 1));
}

const p99 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
};

/** Slot-milliseconds held over the run, from each task's start and end. */
function utilisation(
  spans: { start: number; end: number; weight: number }[],
  limit: number,
): number {
  const first = Math.min(...spans.map((s) => s.start));
  const last = Math.max(...spans.map((s) => s.end));
  const held = spans.reduce((sum, s) => sum + (s.end - s.start) * s.weight, 0);
  return held / ((last - first) * limit);
}

async function k4Pool(): Promise<K4> {
  const weights = k4Tasks();
  const spans: { start: number; end: number; weight: number }[] = [];
  const waits: { weight: number; wait: number }[] = [];
  const pool = new WorkerPool<number, void>({ logging: { level: 'silent' }, concurrency: 8 });
  const started = performance.now();
  await Promise.all(
    weights.map((weight) => {
      const queuedAt = performance.now();
      return pool.run(
        async () => {
          const start = performance.now();
          waits.push({ weight, wait: start - queuedAt });
          await sleep1();
          spans.push({ start, end: performance.now(), weight });
        },
        { weight },
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.shutdown();
  return summarizeK4(weights, spans, waits, seconds);
}

async function k4Bottleneck(): Promise<K4> {
  const weights = k4Tasks();
  const spans: { start: number; end: number; weight: number }[] = [];
  const waits: { weight: number; wait: number }[] = [];
  const limiter = new Bottleneck({ maxConcurrent: 8 });
  const started = performance.now();
  await Promise.all(
    weights.map((weight) => {
      const queuedAt = performance.now();
      return limiter.schedule({ weight }, async () => {
        const start = performance.now();
        waits.push({ weight, wait: start - queuedAt });
        await sleep1();
        spans.push({ start, end: performance.now(), weight });
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await limiter.disconnect();
  return summarizeK4(weights, spans, waits, seconds);
}

function summarizeK4(
  weights: number[],
  spans: { start: number; end: number; weight: number }[],
  waits: { weight: number; wait: number }[],
  seconds: number,
): K4 {
  return {
    utilisation: utilisation(spans, 8),
    heavyStarted: waits.filter((w) => w.weight === 8).length,
    heavyTotal: weights.filter((w) => w === 8).length,
    p99Light: p99(waits.filter((w) => w.weight === 1).map((w) => w.wait)),
    p99Heavy: p99(waits.filter((w) => w.weight === 8).map((w) => w.wait)),
    tasksPerSec: weights.length / seconds,
  };
}

async function main(): Promise<void> {
  const k1 = await runInterleaved(
    [W1, K1].map((name) => isolatedCase(name, SIZE, __filename)),
    {
      rounds: ROUNDS,
      onSample: (name, round, m) =>
        process.stderr.write(`  [round ${round + 1}] ${name}: ${fmtCount((m as Rate).tps)}/s\n`),
    },
  );
  const w1 = med(k1, W1, 'tps');
  const keyed = med(k1, K1, 'tps');
  const bottleneckSlice = QUICK ? 2_000 : 5_000;
  const step = (name: string): void => void process.stderr.write(`${name}\n`);
  step('K1: bottleneck Group');
  const bottleneck = await bottleneckGroup(bottleneckSlice);
  step('K2');
  const k2 = { pool: await k2Pool(), pQueue: await k2PQueue(), async: await k2Async() };
  step('K3');
  const k3Index = await k3();
  step('K4');
  const k4 = { pool: await k4Pool(), bottleneck: await k4Bottleneck() };
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  const report = [
    '# Keys and weights',
    '',
    `K1: ${fmtCount(SIZE)} no-op tasks, concurrency ${CONCURRENCY}, random priorities, ${ROUNDS} interleaved rounds in fresh processes (median tasks/s); bottleneck's Group (maxConcurrent 4 per key, no pool-wide limit) on a slice of ${fmtCount(bottleneckSlice)} tasks over the same ${fmtCount(KEYS)} keys.`,
    '',
    markdownTable(
      ['case', 'tasks/s', 'ratio', 'target'],
      [
        [W1, fmtCount(w1), '1.00x', ''],
        [K1, fmtCount(keyed), fmtRatio(keyed / w1), '>= 0.7x W1'],
        [
          'bottleneck Group, same keys',
          fmtCount(bottleneck),
          fmtRatio(keyed / bottleneck),
          'ours >= 3x it',
        ],
      ],
    ),
    '',
    'K2: key A has 100,000 no-op tasks queued (concurrency 64), then key B submits 100 at the same priority. Completions until all of B are done (target: <= 250 for the pool).',
    '',
    markdownTable(
      ['queue', 'completions until B is done'],
      [
        ['pool with key A / key B', fmtCount(k2.pool)],
        ['p-queue (no keys)', fmtCount(k2.pQueue)],
        ['async.queue (no keys)', fmtCount(k2.async)],
      ],
    ),
    '',
    `K3: 100 keys with equal backlogs, 1 ms tasks, concurrency 64: Jain's fairness index of completions per key in each second (target >= 0.99): ${k3Index.map((x) => x.toFixed(4)).join(', ')}.`,
    '',
    'K4: limit 8, 1 ms tasks, 90 % weight 1 and 10 % weight 8, all queued at once (targets: utilisation >= 0.75, every weight-8 task starts, its p99 wait <= 3x that of weight 1).',
    '',
    markdownTable(
      [
        'scheduler',
        'slot utilisation',
        'weight-8 started',
        'p99 wait w1',
        'p99 wait w8',
        'w8 / w1',
        'tasks/s',
      ],
      [k4.pool, k4.bottleneck].map((r, i) => [
        i === 0 ? 'pool (weight)' : 'bottleneck (weight)',
        r.utilisation.toFixed(2),
        `${r.heavyStarted} / ${r.heavyTotal}`,
        ms(r.p99Light),
        ms(r.p99Heavy),
        fmtRatio(r.p99Heavy / r.p99Light),
        fmtCount(r.tasksPerSec),
      ]),
    ),
  ].join('\n');
  publishReport('keys', 'Keys and weights', report, args);
}

/** Child mode (`--case NAME --size N`): one K1 sample, in a fresh process. */
async function child(name: string, size: number): Promise<void> {
  const body = BODIES[name];
  if (body === undefined) throw new Error(`Unknown case ${name}`);
  await runChildCase(body, size, Math.max(5_000, size / 10));
}

(args.caseName === undefined ? main() : child(args.caseName, args.size ?? SIZE)).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
