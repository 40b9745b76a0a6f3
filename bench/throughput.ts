/**
 * The performance suite of issue 8: the pool against p-queue, fastq, async.queue and raw RxJS,
 * every peer in the same process run, rounds interleaved.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/throughput.ts [--quick] [--only W1,W4]
 *
 * Prints each table and writes bench/RESULTS.md (see bench/README.md).
 */
import {
  CONCURRENCY,
  noop,
  PQueue,
  poolOptions,
  randomPriorities,
  submitAll,
  type PoolKind,
} from './workloads';
import { importTimes, nsPerRead, PACKAGE_ENTRY, type ImportTimes } from './startup';
import { execSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { cpus, loadavg } from 'node:os';
import { relative, resolve } from 'node:path';
import { Subject, concatMap, from, mergeMap, type Subscription } from 'rxjs';
import * as fastq from 'fastq';
import { queue as asyncQueue } from 'async';
import { WorkerPool } from '../lib/pool/worker-pool';
import type { Priority } from '../lib/task/priority';
import {
  Report,
  fmtBytes,
  fmtCount,
  fmtMs,
  fmtRatio,
  fmtSummary,
  forceGc,
  gcAvailable,
  machineDescription,
  median,
  markdownTable,
  med,
  parseArgs,
  perSecond,
  quantile,
  runInterleaved,
  settle,
  type BenchCase,
  type Rate,
  resultsSections,
  isolatedCase,
  runChildCase,
} from './harness';

const args = parseArgs();
const QUICK = args.quick;

/** Sizes and rounds per mode. */
const CONFIG = QUICK
  ? {
      w1Tasks: 50_000,
      w1Rounds: 3,
      w3Rate: 10_000,
      w3Seconds: 1,
      w3Rounds: 2,
      w4Tasks: 200_000,
      w4Rounds: 1,
      w5Sizes: [100_000, 1_000_000],
      w5Rounds: 1,
    }
  : {
      w1Tasks: 200_000,
      // 7, not 5: on this noisy 2-core VM one sample swings ±30 %.
      w1Rounds: 7,
      w3Rate: 10_000,
      w3Seconds: 2,
      w3Rounds: 5,
      w4Tasks: 1_000_000,
      w4Rounds: 2,
      w5Sizes: [100_000, 1_000_000, 5_000_000],
      w5Rounds: 2,
    };
if (args.rounds !== undefined) {
  CONFIG.w1Rounds = CONFIG.w3Rounds = CONFIG.w4Rounds = CONFIG.w5Rounds = args.rounds;
}
const MAX_TASKS = Math.max(CONFIG.w1Tasks, ...CONFIG.w5Sizes);

// W5 queues 5M tasks at once (~3 GiB with today's pool), next to the default ~4 GiB heap limit,
// where GC thrash would be measured instead of the pool: the full run re-runs itself with room.
const HEAP_MIB = 8192;
if (
  !QUICK &&
  args.caseName === undefined &&
  (args.only.length === 0 || args.only.includes('W5')) &&
  getHeapStatistics().heap_size_limit < (HEAP_MIB - 512) * 2 ** 20 &&
  process.env.BENCH_HEAP_REEXEC === undefined
) {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MIB}`, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_HEAP_REEXEC: '1' },
    },
  );
  process.exit(child.status ?? 1);
}

/* Inputs shared by every case: the same random priorities (0..3) for the pool and p-queue. */

const PRIORITIES = randomPriorities(MAX_TASKS);
const prio = (i: number): Priority => PRIORITIES[i] as Priority;

/* Watchdog: a pool that never settles must fail the case loudly, not end the process silently. */

class CaseTimeoutError extends Error {
  override name = 'CaseTimeoutError';
}

function watchdog<T>(name: string, ms: number, body: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const alarm = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CaseTimeoutError(`${name}: no result after ${ms / 1000} s (hang?)`)),
      ms,
    );
  });
  return Promise.race([body(), alarm]).finally(() => clearTimeout(timer));
}

/* Pools */

interface PoolRun extends Rate {
  /** heapUsed right after the submit loop, before anything ran to completion (MiB). */
  heapAfterSubmitMiB: number;
}

/** Who watches the pool's events during a case: nobody, `events$`, or `eventsOf('failed')`. */
type EventWatcher = 'none' | 'all' | 'failures';

/** One pool case: build, time submit→last settled (+ one metrics() read), shut down. */
async function poolThroughput(
  kind: PoolKind,
  n: number,
  watcher: EventWatcher = 'none',
): Promise<PoolRun> {
  const pool = new WorkerPool<number, void>(poolOptions(kind, noop));
  let events = 0;
  const subscription: Subscription | undefined =
    watcher === 'all'
      ? pool.events$.subscribe(() => events++)
      : watcher === 'failures'
        ? pool.eventsOf('failed').subscribe(() => events++)
        : undefined;
  let heapAfterSubmit = 0;
  const rate = await perSecond(n, async () => {
    const all = submitAll(pool, n, prio);
    heapAfterSubmit = process.memoryUsage().heapUsed;
    await all;
    if (kind !== 'bare') pool.metrics();
  });
  const metrics = pool.metrics();
  if (metrics.succeeded !== n) {
    throw new Error(
      `pool (${kind}): ${metrics.succeeded} of ${n} tasks succeeded (metrics: ${JSON.stringify(metrics)})`,
    );
  }
  subscription?.unsubscribe();
  if (watcher === 'all' && events < 3 * n)
    throw new Error(`pool (events): saw only ${events} events for ${n} tasks`);
  if (watcher === 'failures' && events !== 0)
    throw new Error(`pool (failure events): saw ${events} for ${n} tasks that all succeeded`);
  await pool.shutdown();
  return { ...rate, heapAfterSubmitMiB: heapAfterSubmit / 2 ** 20 };
}

/** W7: the stream path, `process(from(array))` with a priority function, on the bare pool. */
async function poolStreamThroughput(n: number): Promise<Rate> {
  const pool = new WorkerPool<number, void>(poolOptions('bare', noop));
  const list = inputs(n);
  let results = 0;
  const rate = await perSecond(
    n,
    () =>
      new Promise<void>((done, fail) =>
        pool
          .process(from(list), { priority: (i) => prio(i) })
          .subscribe({ next: () => results++, complete: done, error: fail }),
      ),
  );
  if (results !== n) throw new Error(`pool process(): ${results} of ${n} results`);
  await pool.shutdown();
  return rate;
}

/* Peers (no-op tasks, concurrency 64, timed from the first add to idle) */

async function pQueueThroughput(n: number, withPriorities: boolean): Promise<Rate> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  return perSecond(n, async () => {
    if (withPriorities) for (let i = 0; i < n; i++) void queue.add(noop, { priority: prio(i) });
    else for (let i = 0; i < n; i++) void queue.add(noop);
    await queue.onIdle();
  });
}

async function fastqThroughput(n: number): Promise<Rate> {
  const queue = fastq.promise<unknown, number, void>(noop, CONCURRENCY);
  return perSecond(n, async () => {
    for (let i = 0; i < n; i++) void queue.push(i);
    await queue.drained();
  });
}

async function asyncQueueThroughput(n: number): Promise<Rate> {
  const queue = asyncQueue<number>(async () => {}, CONCURRENCY);
  return perSecond(n, async () => {
    for (let i = 0; i < n; i++) void queue.push<void>(i);
    await queue.drain();
  });
}

const inputsCache = new Map<number, number[]>();
function inputs(n: number): number[] {
  let list = inputsCache.get(n);
  if (!list) inputsCache.set(n, (list = Array.from({ length: n }, (_, i) => i)));
  return list;
}

/** Raw RxJS over the whole backlog: mergeMap buffers the overflow in an array it shift()s. */
function mergeMapBacklog(n: number): Promise<Rate> {
  const list = inputs(n);
  return perSecond(
    n,
    () =>
      new Promise<void>((done, fail) =>
        from(list).pipe(mergeMap(noop, CONCURRENCY)).subscribe({ complete: done, error: fail }),
      ),
  );
}

const CHUNK = 1000;
/** Raw RxJS fed 1,000 inputs at a time (concatMap of chunks), so its buffer stays short. */
function mergeMapChunked(n: number): Promise<Rate> {
  const list = inputs(n);
  const chunks: number[][] = [];
  for (let i = 0; i < n; i += CHUNK) chunks.push(list.slice(i, i + CHUNK));
  return perSecond(
    n,
    () =>
      new Promise<void>((done, fail) =>
        from(chunks)
          .pipe(concatMap((chunk) => from(chunk).pipe(mergeMap(noop, CONCURRENCY))))
          .subscribe({ complete: done, error: fail }),
      ),
  );
}

/* Case names */

const POOL_FULL = 'pool (timeout+retry+metrics, priorities)';
const POOL_NO_TIMEOUT = 'pool, same without timeoutMs';
const POOL_EVENTS = 'pool, same + events$ subscriber';
const POOL_FAILURES = "pool, same + eventsOf('failed') subscriber";
const POOL_BARE = 'pool bare (no timeout, 1 attempt, priorities)';
const PQ = 'p-queue';
const PQ_PRIO = 'p-queue, random priorities';
const FASTQ = 'fastq (promise)';
const ASYNC = 'async.queue';
const MM_BACKLOG = 'RxJS mergeMap, full backlog';
const MM_CHUNKED = `RxJS mergeMap, chunks of ${CHUNK}`;
const POOL_STREAM = 'pool process(from(array)), priority function';
const PEERS = [PQ, PQ_PRIO, FASTQ, ASYNC, MM_BACKLOG, MM_CHUNKED];

const report = new Report();
const problems: string[] = [];
const targets: { target: string; measured: string; met: boolean | undefined }[] = [];
const progress = (name: string, round: number, m: unknown): void => {
  const value =
    typeof m === 'number'
      ? fmtCount(m)
      : JSON.stringify(m, (_k, v: unknown) =>
          typeof v === 'number' ? Number(v.toPrecision(4)) : v,
        );
  process.stderr.write(`  [round ${round + 1}] ${name}: ${value}\n`);
};

function failed(workload: string, error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack =
    error instanceof Error && error.stack ? error.stack.split('\n').slice(1, 6).join('\n') : '';
  problems.push(`${workload}: ${message}`);
  report.add({
    title: `${workload} — FAILED`,
    note: 'The workload threw or hung; no numbers.',
    table: '```\n' + message + '\n' + stack + '\n```',
  });
}

/* W1, W2, W6 and the events$ cost: one interleaved set, so every ratio compares samples of the same rounds. */

/** The throughput cases by name: one body each, run in a child process unless `--in-process`. */
function throughputBodies(): [string, (size: number) => Promise<Rate>][] {
  const pool =
    (kind: PoolKind, watcher: EventWatcher = 'none') =>
    (size: number) =>
      poolThroughput(kind, size, watcher).then(({ tps, cpu }) => ({ tps, cpu }));
  return [
    [POOL_FULL, pool('full')],
    [POOL_NO_TIMEOUT, pool('full-no-timeout')],
    [POOL_EVENTS, pool('full', 'all')],
    [POOL_FAILURES, pool('full', 'failures')],
    [POOL_BARE, pool('bare')],
    [PQ, (size) => pQueueThroughput(size, false)],
    [PQ_PRIO, (size) => pQueueThroughput(size, true)],
    [FASTQ, fastqThroughput],
    [ASYNC, asyncQueueThroughput],
    [MM_BACKLOG, mergeMapBacklog],
    [MM_CHUNKED, mergeMapChunked],
    [POOL_STREAM, poolStreamThroughput],
  ];
}

const warmupSize = (n: number): number => Math.max(5_000, n / 10);

/** How long one throughput sample may take before it fails as a hang. */
const SAMPLE_LIMIT_MS = 180_000;

/** A throughput case run in a fresh child process (see `isolatedCase`), under the watchdog. */
function watchedChild(name: string, size: number, flags: readonly string[] = []): BenchCase {
  const child = isolatedCase(name, size, __filename, flags);
  return { name: child.name, run: () => watchdog(child.name, SAMPLE_LIMIT_MS, child.run) };
}

async function throughputSet(): Promise<void> {
  const n = CONFIG.w1Tasks;
  const bodies = throughputBodies();
  const inProcessCases = (size: number): BenchCase[] =>
    bodies.map(([name, body]) => ({
      name,
      run: () => watchdog(name, SAMPLE_LIMIT_MS, () => body(size)),
    }));
  const isolatedCases = (size: number): BenchCase[] =>
    bodies.map(([name]) => watchedChild(name, size));
  const isolated = !args.inProcess;
  process.stderr.write(
    `W1/W2/W6: ${fmtCount(n)} no-op tasks, concurrency ${CONCURRENCY}, ${CONFIG.w1Rounds} rounds, ` +
      `${isolated ? 'each sample in a fresh process' : 'all in this process'}\n`,
  );
  const results = await runInterleaved(isolated ? isolatedCases(n) : inProcessCases(n), {
    rounds: CONFIG.w1Rounds,
    // A child warms itself up before its measured run.
    warmupRounds: isolated ? 0 : 1,
    warmupCases: inProcessCases(warmupSize(n)),
    onSample: progress,
  });
  const scope =
    `${fmtCount(n)} no-op async tasks, concurrency ${CONCURRENCY}, random priorities over 4 levels ` +
    `(same array for the pool and p-queue), ${CONFIG.w1Rounds} interleaved rounds. ` +
    'tasks/s: wall time, median (min–max); tasks/CPU-s: per second of this process’s CPU time, ' +
    'steadier when other processes share the cores. ' +
    (isolated
      ? 'Each sample ran in a fresh Node process with the same flags: a warm-up run at a tenth of ' +
        'the size, then two full runs; the second is the figure (the process has done the work ' +
        'once, as a long-lived service has), and the first, on a fresh heap, is shown beside it.'
      : 'All samples ran in this one process (`--in-process`).');
  const ratio = (a: string, b: string, metric = 'tps'): number =>
    med(results, a, metric) / med(results, b, metric);
  const firstRatio = (a: string, b: string): string =>
    results.get(a)?.firstTps && results.get(b)?.firstTps ? fmtRatio(ratio(a, b, 'firstTps')) : '–';

  // One row per case: its rates, and its ratio to another case (`against` names the pair).
  const rateTable = (
    names: string[],
    label: string,
    against: (name: string) => [string, string],
  ): string =>
    markdownTable(
      [
        'Case',
        'tasks/s',
        label,
        'tasks/CPU-s',
        `${label} (CPU)`,
        'first run, tasks/s',
        `${label} (first run)`,
      ],
      names.map((name) => {
        const [a, b] = against(name);
        return [
          name,
          fmtSummary(results.get(name)?.tps, fmtCount),
          fmtRatio(ratio(a, b)),
          fmtSummary(results.get(name)?.cpu, fmtCount),
          fmtRatio(ratio(a, b, 'cpu')),
          fmtSummary(results.get(name)?.firstTps, fmtCount),
          firstRatio(a, b),
        ];
      }),
    );
  const vsPeers = (poolName: string): string =>
    rateTable([poolName, ...PEERS], 'pool ÷ case', (name) => [poolName, name]);
  const pair = (a: string, b: string, label: string): string =>
    rateTable([a, b], label, (name) => [name, b]);
  report.add({
    title: 'W1 — full-featured pool vs peers',
    note: `${scope} Pool: timeoutMs 30000, retry (default 3 attempts, no failures), metrics on (metrics() read at the end). Peers have no timeout, retry or metrics; raw mergeMap has no priorities.`,
    table: vsPeers(POOL_FULL),
  });
  report.add({
    title: 'W2 — bare pool vs peers',
    note: `${scope} Pool: no timeout, retry maxAttempts 1 (priorities kept).`,
    table: vsPeers(POOL_BARE),
  });

  report.add({
    title: 'W7 — the stream path vs RxJS mergeMap fed in chunks',
    note: `${scope} \`pool.process(from(inputs), { priority })\` on the bare pool, against what an RxJS user writes by hand to avoid mergeMap's quadratic backlog (no priorities).`,
    table: pair(POOL_STREAM, MM_CHUNKED, 'case ÷ chunked'),
  });
  report.add({
    title: 'W6 — cost of timeoutMs',
    note: `${scope} Everything else as in W1.`,
    table: pair(POOL_FULL, POOL_NO_TIMEOUT, 'on ÷ off'),
  });
  report.add({
    title: 'Cost of an events$ subscriber',
    note: `${scope} W1's pool with a subscriber counting every event, and with one taking only \`failed\` events through \`eventsOf\` (none come: every task succeeds), vs without.`,
    table: rateTable([POOL_EVENTS, POOL_FAILURES, POOL_FULL], 'with ÷ without', (name) => [
      name,
      POOL_FULL,
    ]),
  });

  const small = QUICK ? ` (quick: ${fmtCount(n)} tasks)` : '';
  // The ratio of medians, and the range of the per-round ratios (round r of a ÷ round r of b).
  const roundRange = (a: string, b: string): string => {
    const as = results.get(a)?.tps?.samples ?? [];
    const bs = results.get(b)?.tps?.samples ?? [];
    const per = as.map((value, r) => value / bs[r]);
    return `${fmtRatio(Math.min(...per))}–${fmtRatio(Math.max(...per))}`;
  };
  const check = (target: string, a: string, b: string, min: number): void => {
    const wall = ratio(a, b);
    targets.push({
      target: target + small,
      measured: `${fmtRatio(wall)} (rounds ${roundRange(a, b)}; CPU basis ${fmtRatio(ratio(a, b, 'cpu'))}; first run ${firstRatio(a, b)})`,
      met: wall >= min,
    });
  };
  check('W1 ≥ 1.5x p-queue without priorities', POOL_FULL, PQ, 1.5);
  check('W1 ≥ 10x p-queue with priorities', POOL_FULL, PQ_PRIO, 10);
  check('W1 ≥ 1.0x fastq', POOL_FULL, FASTQ, 1);
  check('W2 ≥ 2x p-queue', POOL_BARE, PQ, 2);
  check('W6 timeout on ≥ 0.7x timeout off', POOL_FULL, POOL_NO_TIMEOUT, 0.7);
  check('W7 process(from(array)) ≥ 1.0x mergeMap fed in chunks', POOL_STREAM, MM_CHUNKED, 1);
  // Issue 18.
  check('W1 ≥ 1.2x async.queue', POOL_FULL, ASYNC, 1.2);
  check('W2 ≥ 1.2x async.queue', POOL_BARE, ASYNC, 1.2);
  check('W2 ≥ 3x p-queue', POOL_BARE, PQ, 3);
  check(
    'events$ subscriber costs ≤ 10 % of W1 (with ÷ without ≥ 0.90x)',
    POOL_EVENTS,
    POOL_FULL,
    0.9,
  );
  check("an eventsOf('failed') subscriber costs ≤ 10 % of W1", POOL_FAILURES, POOL_FULL, 0.9);
}

/* Drift: what one long process does to consecutive runs (why every other sample is isolated) */

const DRIFT_RUNS = 12;

/** `DRIFT_RUNS` consecutive runs in this process, GC forced between them; tasks/s of each. */
async function consecutiveRuns(run: () => Promise<Rate>): Promise<number[]> {
  const rates: number[] = [];
  for (let r = 0; r < DRIFT_RUNS; r++) {
    forceGc();
    await settle();
    rates.push((await run()).tps);
  }
  return rates;
}

async function driftSet(): Promise<void> {
  const n = CONFIG.w1Tasks;
  process.stderr.write(`Drift: ${DRIFT_RUNS} consecutive runs of ${fmtCount(n)} tasks per case\n`);
  const reused = new WorkerPool<number, void>(poolOptions('bare', noop));
  const rows: [string, number[]][] = [
    ['bare pool, a new pool per run', await consecutiveRuns(() => poolThroughput('bare', n))],
    [
      'bare pool, one pool reused',
      await consecutiveRuns(() => perSecond(n, () => submitAll(reused, n, prio))),
    ],
    ['async.queue, a new queue per run', await consecutiveRuns(() => asyncQueueThroughput(n))],
  ];
  await reused.shutdown();
  const half = DRIFT_RUNS / 2;
  report.add({
    title: 'Drift — consecutive runs in one process',
    note:
      `${fmtCount(n)} no-op tasks per run, ${DRIFT_RUNS} runs one after another in this one process ` +
      '(GC forced between runs), as the old in-process harness did. Every other throughput table ' +
      'runs each sample in a fresh process instead; this table shows why.',
    table: markdownTable(
      [
        'Case',
        `runs 1–${half}, tasks/s`,
        `runs ${half + 1}–${DRIFT_RUNS}, tasks/s`,
        'later ÷ earlier',
        'every run, k tasks/s',
      ],
      rows.map(([name, rates]) => {
        const early = median(rates.slice(0, half));
        const late = median(rates.slice(half));
        return [
          name,
          fmtCount(early),
          fmtCount(late),
          fmtRatio(late / early),
          rates.map((rate) => (rate / 1000).toFixed(0)).join(' '),
        ];
      }),
    ),
  });
}

/* Node flags: none by default; what two GC settings would change, for every queue alike */

/** Flags a user might set for their own process, each measured against the defaults. */
const FLAG_SETS: { flag: string; why: string }[] = [
  {
    flag: '--max-semi-space-size=64',
    why: 'a 64 MiB young generation: submitting 200k tasks at once keeps every queue’s backlog alive through the scavenges, which copy it twice; a bigger young generation lets more of it die first',
  },
  {
    flag: '--single-threaded-gc',
    why: 'one GC thread: on 2 cores the parallel scavenger competes with the main thread, and its gain differs by queue',
  },
];

async function flagsSet(): Promise<void> {
  const n = CONFIG.w1Tasks;
  const names = [POOL_FULL, POOL_BARE, ASYNC];
  const flagLists: string[][] = [[], ...FLAG_SETS.map(({ flag }) => [flag])];
  const cases: BenchCase[] = names.flatMap((name) =>
    flagLists.map((flags) => watchedChild(name, n, flags)),
  );
  process.stderr.write(
    `Flags: ${names.length} cases with ${FLAG_SETS.map(({ flag }) => flag).join(', ')} and without\n`,
  );
  const results = await runInterleaved(cases, { rounds: CONFIG.w1Rounds, onSample: progress });
  const flagged = (name: string, flag: string): string => `${name} [${flag}]`;
  const ratio = (a: string, b: string): number => med(results, a, 'tps') / med(results, b, 'tps');
  report.add({
    title: 'Node flags — what two GC settings would change',
    note:
      `${fmtCount(n)} no-op tasks, ${CONFIG.w1Rounds} interleaved rounds, each sample in a fresh process ` +
      '(its second full run, as in W1). ' +
      'Every other table runs every case, the pool and each peer alike, under the same flags: ' +
      '`--expose-gc` (the harness forces a GC before each case) and, for the full run, ' +
      '`--max-old-space-size=8192` (W5 queues 5M tasks). Nothing else. This table runs three of ' +
      'the cases again with one more flag each: ' +
      FLAG_SETS.map(({ flag, why }) => `\`${flag}\`, ${why}`).join('; ') +
      '. These are settings for the user’s process, not something the pool sets.',
    table: markdownTable(
      ['Case', 'Flag', 'tasks/s', 'flag ÷ default', 'case ÷ async.queue, same flag'],
      names.flatMap((name) => [
        [
          name,
          'none',
          fmtSummary(results.get(name)?.tps, fmtCount),
          '1.00x',
          fmtRatio(ratio(name, ASYNC)),
        ],
        ...FLAG_SETS.map(({ flag }) => [
          name,
          `\`${flag}\``,
          fmtSummary(results.get(flagged(name, flag))?.tps, fmtCount),
          fmtRatio(ratio(flagged(name, flag), name)),
          fmtRatio(ratio(flagged(name, flag), flagged(ASYNC, flag))),
        ]),
      ]),
      ['l', 'l', 'r', 'r', 'r'],
    ),
  });
}

/* W3: enqueue→start latency of 1 ms tasks under paced submission below capacity */

interface LatencyTarget {
  submit(i: number): void;
  drained(): Promise<void>;
  close(): Promise<void>;
}

async function latencyCase(kind: 'pool' | 'p-queue' | 'fastq'): Promise<Record<string, number>> {
  const rate = CONFIG.w3Rate;
  const total = Math.round(rate * CONFIG.w3Seconds);
  const enqueuedAt = new Float64Array(total);
  const startedAt = new Float64Array(total);
  const handler = (i: number): Promise<void> => {
    startedAt[i] = performance.now();
    return new Promise<void>((done) => setTimeout(done, 1));
  };
  let target: LatencyTarget;
  if (kind === 'pool') {
    const pool = new WorkerPool<number, void>(poolOptions('full', handler));
    let pending = 0;
    let idle: (() => void) | undefined;
    const settled = (): void => {
      if (--pending === 0) idle?.();
    };
    target = {
      submit: (i) => {
        pending++;
        pool
          .submit(i, { priority: prio(i) })
          .then(settled, (error: unknown) => problems.push(`W3 pool task ${i}: ${String(error)}`));
      },
      drained: () =>
        pending === 0 ? Promise.resolve() : new Promise<void>((done) => (idle = done)),
      close: async () => void (await pool.shutdown()),
    };
  } else if (kind === 'p-queue') {
    const queue = new PQueue({ concurrency: CONCURRENCY });
    target = {
      submit: (i) => void queue.add(() => handler(i)),
      drained: () => queue.onIdle(),
      close: async () => {},
    };
  } else {
    const queue = fastq.promise<unknown, number, void>(handler, CONCURRENCY);
    target = {
      submit: (i) => void queue.push(i),
      drained: () => queue.drained(),
      close: async () => {},
    };
  }

  // Paced: every ~1 ms timer tick submits as many tasks as the steady rate owes by now.
  const t0 = performance.now();
  let submitted = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const owed = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
      while (submitted < owed) {
        enqueuedAt[submitted] = performance.now();
        target.submit(submitted++);
      }
      if (submitted < total) setTimeout(tick, 1);
      else done();
    };
    setTimeout(tick, 1);
  });
  const elapsed = performance.now() - t0;
  await target.drained();
  await target.close();

  const latency = new Float64Array(total);
  for (let i = 0; i < total; i++) latency[i] = startedAt[i] - enqueuedAt[i];
  if (latency.some((v) => !(v >= 0))) throw new Error(`${kind}: some tasks never started`);
  latency.sort();
  return {
    p50: quantile(latency, 0.5),
    p99: quantile(latency, 0.99),
    max: latency[total - 1],
    rate: (total * 1000) / elapsed,
  };
}

async function latencySet(): Promise<void> {
  const names = { pool: 'pool (W1 options, priorities)', 'p-queue': PQ, fastq: FASTQ } as const;
  const cases: BenchCase[] = (Object.keys(names) as (keyof typeof names)[]).map((kind) => ({
    name: names[kind],
    run: () => watchdog(names[kind], 120_000, () => latencyCase(kind)),
  }));
  process.stderr.write(
    `W3: 1 ms tasks at ${fmtCount(CONFIG.w3Rate)}/s for ${CONFIG.w3Seconds} s, ${CONFIG.w3Rounds} rounds\n`,
  );
  const results = await runInterleaved(cases, { rounds: CONFIG.w3Rounds, onSample: progress });
  const pool = names.pool;
  report.add({
    title: 'W3 — enqueue→start latency, 1 ms tasks, paced',
    note: `setTimeout(1) tasks submitted at a steady ${fmtCount(CONFIG.w3Rate)}/s for ${CONFIG.w3Seconds} s (below capacity), concurrency ${CONCURRENCY}; start time taken inside the handler with performance.now(). Milliseconds, median over ${CONFIG.w3Rounds} rounds (min–max) of each round's percentile.`,
    table: markdownTable(
      ['Case', 'p50 ms', 'p99 ms', 'max ms', 'submitted/s', 'case p99 ÷ pool p99'],
      [pool, PQ, FASTQ].map((name) => {
        const s = results.get(name);
        return [
          name,
          fmtSummary(s?.p50, fmtMs),
          fmtSummary(s?.p99, fmtMs),
          fmtSummary(s?.max, fmtMs),
          fmtSummary(s?.rate, fmtCount),
          fmtRatio(med(results, name, 'p99') / med(results, pool, 'p99')),
        ];
      }),
    ),
  });
  const poolP99 = med(results, pool, 'p99');
  const pqP99 = med(results, PQ, 'p99');
  targets.push({
    target: 'W3 p99 no worse than p-queue’s',
    measured: `pool ${fmtMs(poolP99)} ms vs p-queue ${fmtMs(pqP99)} ms (${fmtRatio(poolP99 / pqP99)})`,
    met: poolP99 <= pqP99,
  });
}

/* W4: heap bytes per queued task */

async function memoryCase(kind: string, n: number): Promise<number> {
  // Preallocated before the baseline, so only what each queue allocates is counted
  // (the promise of each call is kept alive here, as a caller would).
  const keep: unknown[] = new Array<unknown>(n).fill(0);
  let enqueue: (i: number) => unknown;
  let cleanup: () => Promise<void>;
  switch (kind) {
    case 'pool-submit':
    case 'pool-submit-prio': {
      const pool = new WorkerPool<number, void>(poolOptions('full', noop));
      pool.pause();
      enqueue =
        kind === 'pool-submit'
          ? (i) => pool.submit(i)
          : (i) => pool.submit(i, { priority: prio(i) });
      cleanup = async () => {
        for (const p of keep) (p as Promise<void>).catch(() => {});
        await pool.shutdown({ timeoutMs: 0 });
      };
      break;
    }
    case 'pool-process': {
      const pool = new WorkerPool<number, void>(poolOptions('full', noop));
      pool.pause();
      const subject = new Subject<number>();
      let failure: unknown;
      const subscription = pool
        .process(subject)
        .subscribe({ error: (error: unknown) => (failure = error) });
      enqueue = (i) => subject.next(i);
      cleanup = async () => {
        if (failure) throw failure;
        subscription.unsubscribe();
        await pool.shutdown({ timeoutMs: 0 });
      };
      break;
    }
    case 'p-queue': {
      const queue = new PQueue({ concurrency: CONCURRENCY, autoStart: false });
      enqueue = () => queue.add(noop);
      cleanup = async () => queue.clear();
      break;
    }
    case 'fastq': {
      const queue = fastq.promise<unknown, number, void>(noop, CONCURRENCY);
      queue.pause();
      enqueue = (i) => queue.push(i);
      cleanup = async () => void queue.kill();
      break;
    }
    case 'async.queue': {
      const queue = asyncQueue<number>(async () => {}, CONCURRENCY);
      queue.pause();
      enqueue = (i) => queue.push<void>(i);
      cleanup = async () => queue.kill();
      break;
    }
    default:
      throw new Error(`unknown memory case ${kind}`);
  }
  forceGc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) keep[i] = enqueue(i);
  forceGc();
  const after = process.memoryUsage().heapUsed;
  await cleanup();
  keep.length = 0;
  return (after - before) / n;
}

async function memorySet(): Promise<void> {
  const n = CONFIG.w4Tasks;
  if (!gcAvailable())
    process.stderr.write('W4: warning: run node with --expose-gc, numbers include garbage\n');
  const names: Record<string, string> = {
    'pool-submit': 'pool submit() (promise kept)',
    'pool-submit-prio': 'pool submit() with random priority',
    'pool-process': 'pool process(Subject)',
    'p-queue': `${PQ} add() (promise kept)`,
    fastq: `${FASTQ} push() (promise kept)`,
    'async.queue': `${ASYNC} push() (promise kept)`,
  };
  const cases: BenchCase[] = Object.entries(names).map(([kind, name]) => ({
    name,
    run: () => watchdog(name, 300_000, () => memoryCase(kind, n)),
  }));
  process.stderr.write(`W4: ${fmtCount(n)} queued tasks, ${CONFIG.w4Rounds} round(s)\n`);
  const results = await runInterleaved(cases, { rounds: CONFIG.w4Rounds, onSample: progress });
  const submitName = names['pool-submit'];
  report.add({
    title: 'W4 — heap bytes per queued task',
    note: `${fmtCount(n)} tasks queued and not started (pool.pause(), p-queue autoStart false, fastq/async pause()); heapUsed after a forced GC, after minus before, divided by ${fmtCount(n)}. W1's pool options.`,
    table: markdownTable(
      ['Case', 'bytes/task', 'case ÷ pool submit()'],
      Object.values(names).map((name) => [
        name,
        fmtSummary(results.get(name)?.value, fmtBytes),
        fmtRatio(med(results, name) / med(results, submitName)),
      ]),
    ),
  });
  const viaSubmit = med(results, submitName);
  const viaProcess = med(results, names['pool-process']);
  const at = QUICK ? ` (quick: ${fmtCount(n)} queued)` : '';
  targets.push(
    {
      target: `W4 ≤ 300 bytes/task via submit()${at}`,
      measured: `${fmtBytes(viaSubmit)} B`,
      met: viaSubmit <= 300,
    },
    {
      target: `W4 ≤ 256 bytes/task via submit(), no regression (issue 18)${at}`,
      measured: `${fmtBytes(viaSubmit)} B`,
      met: viaSubmit <= 256,
    },
    {
      target: `W4 ≤ 150 bytes/task via process()${at}`,
      measured: `${fmtBytes(viaProcess)} B`,
      met: viaProcess <= 150,
    },
  );
}

/* W5: W1 at growing sizes */

async function scaleSet(): Promise<void> {
  const sizes = CONFIG.w5Sizes;
  const name = (n: number): string => `pool, ${fmtCount(n)} tasks`;
  // Sizes up to 100k run 3 times per round (median kept): one short run is too noisy a baseline.
  const repeats = (n: number): number => (n <= 100_000 ? 3 : 1);
  const cases: BenchCase[] = sizes.map((n) => ({
    name: name(n),
    run: () =>
      watchdog(name(n), 900_000, async () => {
        const runs: PoolRun[] = [];
        for (let r = 0; r < repeats(n); r++) {
          if (r > 0) forceGc();
          runs.push(await poolThroughput('full', n));
        }
        const pick = (key: 'tps' | 'cpu' | 'heapAfterSubmitMiB'): number =>
          median(runs.map((x) => x[key]));
        return { tps: pick('tps'), cpu: pick('cpu'), heapMiB: pick('heapAfterSubmitMiB') };
      }),
  }));
  process.stderr.write(
    `W5: ${sizes.map(fmtCount).join(', ')} tasks, ${CONFIG.w5Rounds} round(s)\n`,
  );
  const results = await runInterleaved(cases, { rounds: CONFIG.w5Rounds, onSample: progress });
  const base = (metric: string): number => med(results, name(sizes[0]), metric);
  report.add({
    title: 'W5 — scale: W1 at growing sizes',
    note: `W1's pool and workload, all tasks submitted at once and then awaited; ${CONFIG.w5Rounds} interleaved round(s), sizes up to 100k run 3 times per round. Heap is heapUsed right after the submit loop (the whole backlog queued).`,
    table: markdownTable(
      [
        'Tasks',
        'tasks/s',
        'vs smallest',
        'tasks/CPU-s',
        'vs smallest (CPU)',
        'heap after submit, MiB',
      ],
      sizes.map((n) => [
        fmtCount(n),
        fmtSummary(results.get(name(n))?.tps, fmtCount),
        fmtRatio(med(results, name(n), 'tps') / base('tps')),
        fmtSummary(results.get(name(n))?.cpu, fmtCount),
        fmtRatio(med(results, name(n), 'cpu') / base('cpu')),
        fmtSummary(results.get(name(n))?.heapMiB, (v) => v.toFixed(0)),
      ]),
    ),
  });
  const largest = sizes[sizes.length - 1];
  const drop = (metric: string): number => 1 - med(results, name(largest), metric) / base(metric);
  const pct = (d: number): string =>
    `${(Math.abs(d) * 100).toFixed(1)} % ${d >= 0 ? 'drop' : 'gain'}`;
  targets.push({
    target: `W5 ≤ 20 % drop from ${fmtCount(sizes[0])} to ${fmtCount(largest)}${QUICK ? ' (quick; the target is to 5M)' : ''}`,
    measured: `${pct(drop('tps'))} (CPU basis ${pct(drop('cpu'))})`,
    met: drop('tps') <= 0.2,
  });
}

/** The commit measured, and whether lib/ differed from it (the pool is edited between runs). */
function sourceState(): string {
  try {
    const git = (cmd: string): string =>
      execSync(`git ${cmd}`, { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    const changed = git('status --porcelain -- lib').split('\n').filter(Boolean).length;
    return `commit ${git('rev-parse --short HEAD')}${changed > 0 ? `, ${changed} uncommitted change(s) under lib/` : ', lib/ clean'}`;
  } catch {
    return 'not a git checkout';
  }
}

/* W8: import cost and cheap reads */

async function startupSet(): Promise<void> {
  const runs = QUICK ? 5 : 10;
  const times = importTimes(
    { rxjs: 'rxjs', 'rxjs-worker-pool': PACKAGE_ENTRY, 'p-queue': 'p-queue', fastq: 'fastq' },
    runs,
  );
  const rxjsProcess = median(times.get('rxjs')?.processMs ?? []);
  const rxjsRequire = median(times.get('rxjs')?.requireMs ?? []);
  const rows = [...times].map(([name, t]) => [
    name,
    fmtMs(median(t.processMs)),
    fmtRatio(median(t.processMs) / rxjsProcess),
    fmtMs(median(t.requireMs)),
    fmtRatio(median(t.requireMs) / rxjsRequire),
  ]);
  report.add({
    title: 'W8 — import cost',
    note: `${runs} fresh processes per case, interleaved; medians. "process" is \`node -e "require(X)"\` end to end (Node's start-up included); "require" is the call alone, timed inside the process. rxjs-worker-pool is loaded from dist/ and includes rxjs.`,
    table: markdownTable(
      ['Case', 'process ms', 'process ÷ rxjs', 'require ms', 'require ÷ rxjs'],
      rows,
    ),
  });
  const pool = times.get('rxjs-worker-pool') as ImportTimes;
  const processRatio = median(pool.processMs) / rxjsProcess;
  const requireRatio = median(pool.requireMs) / rxjsRequire;
  targets.push({
    target: 'W8 import ≤ 1.3x require(rxjs), cold (whole process / require call alone)',
    measured: `${fmtRatio(processRatio)} / ${fmtRatio(requireRatio)}`,
    met: processRatio <= 1.3,
  });

  const waiting = new WorkerPool<number, void>(poolOptions('full', noop));
  waiting.pause();
  for (let i = 0; i < 10_000; i++) void waiting.submit(i, { priority: prio(i) }).catch(() => {});
  const sizeNs = nsPerRead((n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += waiting.size;
    return sum;
  }, 1_000_000);
  const pendingNs = nsPerRead((n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += waiting.pending;
    return sum;
  }, 1_000_000);
  const metricsNs = nsPerRead((n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += waiting.metrics().queued;
    return sum;
  }, 20_000);
  await waiting.shutdown({ timeoutMs: 0 });
  report.add({
    title: 'W8 — cheap reads',
    note: 'A paused pool holding 10,000 queued tasks; median of 5 batches after a warm-up batch.',
    table: markdownTable(
      ['Read', 'cost'],
      [
        ['pool.size', `${sizeNs.toFixed(1)} ns`],
        ['pool.pending', `${pendingNs.toFixed(1)} ns`],
        ['pool.metrics()', `${(metricsNs / 1000).toFixed(2)} µs`],
      ],
    ),
  });
  targets.push({
    target: 'W8 pool.size / pool.pending ≤ 50 ns per read',
    measured: `${sizeNs.toFixed(1)} / ${pendingNs.toFixed(1)} ns`,
    met: sizeNs <= 50 && pendingNs <= 50,
  });
  targets.push({
    target: 'W8 metrics() ≤ 5 µs',
    measured: `${(metricsNs / 1000).toFixed(2)} µs`,
    met: metricsNs <= 5000,
  });
}

/* Main */

const WORKLOADS: { ids: string[]; title: string; run: () => Promise<void> }[] = [
  { ids: ['W1', 'W2', 'W6', 'W7', 'EVENTS'], title: 'W1/W2/W6/W7/events', run: throughputSet },
  { ids: ['DRIFT'], title: 'Drift', run: driftSet },
  { ids: ['FLAGS'], title: 'Node flags', run: flagsSet },
  { ids: ['W3'], title: 'W3', run: latencySet },
  { ids: ['W4'], title: 'W4', run: memorySet },
  { ids: ['W5'], title: 'W5', run: scaleSet },
  { ids: ['W8'], title: 'W8', run: startupSet },
];

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg();
  process.on('unhandledRejection', (reason) => {
    const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    problems.push(`unhandled rejection: ${text}`);
    process.stderr.write(`unhandled rejection: ${text}\n`);
  });
  for (const workload of WORKLOADS) {
    if (args.only.length > 0 && !workload.ids.some((id) => args.only.includes(id))) continue;
    const t0 = Date.now();
    try {
      await workload.run();
      process.stderr.write(`${workload.title} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      failed(workload.title, error);
    }
    forceGc();
    await settle();
  }

  if (targets.length > 0) {
    report.add({
      title: 'Targets (issues 8 and 18)',
      note: 'Ratios of medians from the runs above; in brackets, the range of the per-round ratios.',
      table: markdownTable(
        ['Target', 'Measured', 'Status'],
        targets.map((t) => [
          t.target,
          t.measured,
          t.met === undefined ? '–' : t.met ? 'met' : 'missed',
        ]),
        ['l', 'r', 'l'],
      ),
    });
  }
  if (problems.length > 0) {
    report.add({ title: 'Problems', table: problems.map((p) => `- ${p}`).join('\n') });
  }

  const seconds = (Date.now() - started) / 1000;
  const script = relative(process.cwd(), process.argv[1] ?? 'bench/throughput.ts');
  const command = ['node', ...process.execArgv, script, ...process.argv.slice(2)].join(' ');
  const header = [
    '# Benchmark results',
    '',
    `- Date: ${new Date().toISOString()}`,
    ...machineDescription(),
    `- Command: \`${command}\`${QUICK ? ' (quick mode: smaller sizes, fewer rounds)' : ''}`,
    `- Source: ${sourceState()}`,
    `- GC forced between cases: ${gcAvailable() ? 'yes' : 'no (run with --expose-gc)'}`,
    `- Suite time: ${seconds.toFixed(0)} s`,
    `- Load average (1 min) at start / end: ${loadAtStart[0].toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs${
      Math.max(loadAtStart[0], loadavg()[0]) > cpus().length * 0.75
        ? ' — other processes were competing for the CPU: absolute numbers are low and noisy, ratios (same rounds) hold better'
        : ''
    }`,
  ];
  // Only a full run replaces the committed RESULTS.md; a quick or partial one goes beside it.
  const partial = QUICK || args.only.length > 0 || args.rounds !== undefined;
  const out = resolve(
    args.out ?? resolve(__dirname, partial ? 'RESULTS.partial.md' : 'RESULTS.md'),
  );
  // The worker-thread and BullMQ sections (written by their own scripts) stay in the report.
  writeFileSync(out, report.render(header).trimEnd() + '\n' + resultsSections(out));
  console.log(`\nwrote ${relative(process.cwd(), out)} in ${seconds.toFixed(0)} s`);
  // The pools are shut down; anything still holding the loop open (it should not) must not hang the suite.
  setTimeout(() => {
    process.stderr.write('warning: event loop still busy 2 s after the suite ended; exiting\n');
    process.exit(problems.length > 0 ? 1 : 0);
  }, 2000).unref();
  process.exitCode = problems.length > 0 ? 1 : 0;
}

/** Child mode (`--case NAME --size N`): one throughput sample for {@link isolatedCase}. */
async function childCase(name: string, size: number): Promise<void> {
  const body = throughputBodies().find(([caseName]) => caseName === name)?.[1];
  if (body === undefined) throw new Error(`Unknown case ${name}`);
  await runChildCase(body, size, warmupSize(size));
}

(args.caseName === undefined
  ? main()
  : childCase(args.caseName, args.size ?? CONFIG.w1Tasks)
).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
