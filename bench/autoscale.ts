/**
 * Autoscale bench: a real WorkerPool on virtual time against a simulated downstream of hidden
 * capacity C, with `autoscale: { policy: 'latency' }` from `initial: 1`, compared with the best
 * fixed concurrency measured the same way.
 *
 * The downstream: a call that finds n calls in flight (itself included) takes
 * `SERVICE_MS × max(1, n / C)` (constant up to C, then growing linearly: a server of capacity C
 * shared between its callers) and fails after that time when n > 3C. The backlog is unbounded:
 * BACKLOG tasks are queued at the start and every ended task is replaced at once. The usage
 * source reports 5 % CPU throughout. Retries are off so that every failure is visible as one.
 *
 * Each run lasts DURATION_MS of virtual time; throughput is the successes per second over
 * [MEASURE_FROM_MS, DURATION_MS]. The limit is sampled once per second (after the scaler's
 * tick); its final mean is taken over the same window. Settling time is the first second after
 * which every sample stays within ±25 % of that mean; oscillation is the largest deviation from
 * that mean after settling, in percent.
 *
 * Run: npx ts-node --transpile-only bench/autoscale.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  VirtualTimeScheduler,
  defer,
  finalize,
  mergeMap,
  of,
  tap,
  throwError,
  timer,
  type Observable,
} from 'rxjs';
import pino from 'pino';
import { WorkerPool } from '../lib/pool/worker-pool';
import type { ScalingPolicy } from '../lib/scaling/scaling-policy';
import { ScriptedUsageSource } from '../lib/scaling/usage-source';

const SERVICE_MS = 100;
const DURATION_MS = 60_000;
const MEASURE_FROM_MS = 30_000;
const TICK_MS = 1000;
const BACKLOG = 1000;
const MAX = 256;
const CAPACITIES = [4, 16, 64];
const TARGET = { throughput: 0.9, settlingMs: 30_000, oscillation: 0.25 };

/** A downstream of hidden capacity on virtual time. */
class Downstream {
  inFlight = 0;
  constructor(
    readonly capacity: number,
    readonly scheduler: VirtualTimeScheduler,
  ) {}

  call(): Observable<number> {
    return defer(() => {
      const n = ++this.inFlight;
      const serviceMs = SERVICE_MS * Math.max(1, n / this.capacity);
      const overloaded = n > 3 * this.capacity;
      // The call leaves the downstream when its time is up, before the pool hears of it (and
      // starts the next one); an unsubscribed call leaves then.
      let gone = false;
      const leave = (): void => {
        if (!gone) this.inFlight--;
        gone = true;
      };
      return timer(serviceMs, this.scheduler).pipe(
        tap(leave),
        mergeMap(() => (overloaded ? throwError(() => new Error('overloaded')) : of(n))),
        finalize(leave),
      );
    });
  }
}

/** Keeps the limit it is given: the fixed runs go through the same scaler machinery. */
const hold: ScalingPolicy = {
  name: 'fixed',
  next: (signals) => ({ limit: signals.limit, reason: 'fixed' }),
};

interface Run {
  throughput: number;
  /** The limit after each second's tick, index i = second i + 1. */
  limits: number[];
  failed: number;
}

/** Lets promise callbacks (the usage sample) run, as they would between real timer callbacks. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function simulate(capacity: number, fixed: number | undefined): Promise<Run> {
  const scheduler = new VirtualTimeScheduler();
  const downstream = new Downstream(capacity, scheduler);
  const usageSource = new ScriptedUsageSource([{ cpuPercent: 5, rssBytes: 100 * 2 ** 20 }]);
  const pool = new WorkerPool<number, number>({
    handler: () => downstream.call(),
    concurrency:
      fixed === undefined
        ? { min: 1, max: MAX, initial: 1, autoscale: { policy: 'latency', usageSource } }
        : { min: fixed, max: fixed, initial: fixed, autoscale: { policy: hold, usageSource } },
    scheduler,
    retry: { maxAttempts: 1 },
    logger: pino({ level: 'silent' }),
  });

  let limit = 0;
  let succeeded = 0;
  let failed = 0;
  let running = true;
  let next = 0;
  const submit = (): void => {
    pool.submit(next++).catch(() => undefined);
  };
  pool.concurrency$.subscribe((value) => (limit = value));
  pool.results$.subscribe((result) => {
    const now = scheduler.now();
    if (running && now > MEASURE_FROM_MS && now <= DURATION_MS) {
      if (result.status === 'succeeded') succeeded++;
      else failed++;
    }
    if (running) submit();
  });
  for (let i = 0; i < BACKLOG; i++) submit();

  const limits: number[] = [];
  for (let t = TICK_MS; t <= DURATION_MS; t += TICK_MS) {
    scheduler.maxFrames = t;
    scheduler.flush();
    await settle();
    limits.push(limit);
  }
  running = false;
  void pool.shutdown({ timeoutMs: 0 }).catch(() => undefined);
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  await settle();
  return { throughput: succeeded / ((DURATION_MS - MEASURE_FROM_MS) / 1000), limits, failed };
}

interface Settling {
  mean: number;
  settledAtMs: number;
  /** Largest deviation from the mean after settling, as a fraction of it. */
  oscillation: number;
  /** Largest deviation from the mean within the measurement window. */
  steadyOscillation: number;
}

function settling(limits: number[]): Settling {
  const from = MEASURE_FROM_MS / TICK_MS - 1;
  const tail = limits.slice(from);
  const mean = tail.reduce((sum, value) => sum + value, 0) / tail.length;
  const within = (value: number): boolean => Math.abs(value - mean) <= 0.25 * mean;
  let first = limits.length;
  while (first > 0 && within(limits[first - 1])) first--;
  // Sample i is the limit after second i + 1; the limit was already there after second `first`.
  const settledAtMs = first * TICK_MS;
  const after = limits.slice(first);
  const oscillation = after.length
    ? Math.max(...after.map((value) => Math.abs(value - mean) / mean))
    : Infinity;
  const steadyOscillation = Math.max(...tail.map((value) => Math.abs(value - mean) / mean));
  return { mean, settledAtMs, oscillation, steadyOscillation };
}

function fixedCandidates(capacity: number): number[] {
  const grid = [1, 2, 4, 8, 16, 32, 64, 128, 256];
  const around = [capacity / 2, capacity, 1.5 * capacity, 2 * capacity, 3 * capacity];
  return [...new Set([...grid, ...around].map(Math.round))]
    .filter((n) => n >= 1 && n <= MAX)
    .sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows: string[] = [];
  let met = true;
  for (const capacity of CAPACITIES) {
    let best = { n: 0, throughput: 0 };
    for (const n of fixedCandidates(capacity)) {
      const run = await simulate(capacity, n);
      if (run.throughput > best.throughput) best = { n, throughput: run.throughput };
    }
    const auto = await simulate(capacity, undefined);
    const s = settling(auto.limits);
    const ratio = auto.throughput / best.throughput;
    const ok =
      ratio >= TARGET.throughput &&
      s.settledAtMs <= TARGET.settlingMs &&
      s.oscillation <= TARGET.oscillation;
    met &&= ok;
    rows.push(
      `| ${capacity} | ${best.n} | ${best.throughput.toFixed(1)} | ${auto.throughput.toFixed(1)} | ` +
        `${(ratio * 100).toFixed(1)} % | ${s.mean.toFixed(1)} | ${(s.settledAtMs / 1000).toFixed(0)} s | ` +
        `${(s.oscillation * 100).toFixed(1)} % | ${(s.steadyOscillation * 100).toFixed(1)} % | ${auto.failed} | ${ok ? 'yes' : 'no'} |`,
    );
    if (process.env.BENCH_VERBOSE) console.error(`C=${capacity} limits: ${auto.limits.join(' ')}`);
  }
  const out: string[] = [];
  out.push(`## Autoscale (policy 'latency', initial 1, max ${MAX}) vs best fixed concurrency\n`);
  out.push(
    `Virtual time: ${DURATION_MS / 1000} s per run, throughput over ${MEASURE_FROM_MS / 1000}–${DURATION_MS / 1000} s; ` +
      `service ${SERVICE_MS} ms up to C in flight, × n/C beyond, errors beyond 3C.\n`,
  );
  out.push(
    '| C | best fixed n | best fixed tasks/s | autoscaled tasks/s | ratio | final limit (mean) | settling | oscillation after settling | oscillation 30–60 s | failed 30–60 s | meets target |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) out.push(row);
  out.push(
    `\nTarget: ratio >= ${TARGET.throughput * 100} %, settling <= ${TARGET.settlingMs / 1000} s, oscillation <= ${TARGET.oscillation * 100} %: ` +
      `${met ? 'met' : 'NOT met'} (wall time ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const report = out.join('\n');
  console.log(report);
  // Kept beside RESULTS.md, with the date, so the README can quote a measured run.
  const file = path.join(__dirname, 'AUTOSCALE.md');
  fs.writeFileSync(
    file,
    `# Autoscale benchmark\n\n- Date: ${new Date().toISOString()}\n- Command: \`npm run bench\` (bench/autoscale.ts)\n\n${report.replace(/^## .*\n/, '')}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
