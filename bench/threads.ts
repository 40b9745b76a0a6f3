/**
 * Worker threads: rxjs-worker-pool/threads against piscina (on the same worker file), tinypool,
 * poolifier and workerpool (each as its README shows) and the main thread, in one run.
 *
 *   T1  4,000 tasks of ~1 ms CPU (chained SHA-256), 2 threads: tasks/s
 *   T2  no-op dispatch, 20,000 tasks: tasks/s
 *   T3  priority inversion: 1,000 low tasks queued on a saturated pool, then one critical one:
 *       how many tasks start before it
 *
 * Writes bench/THREADS.md. Run: `ts-node --transpile-only bench/threads.ts [--quick]`.
 */
import * as path from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { WorkerPool } from '../lib';
import { threadHandler } from '../lib/threads';
import {
  fmtCount,
  fmtRatio,
  machineDescription,
  markdownTable,
  med,
  parseArgs,
  runInterleaved,
  type BenchCase,
  publishReport,
} from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { work, calibrate } = require('./workers/cpu-work') as {
  work: (task: Task | null) => number;
  calibrate: () => number;
};

interface Task {
  seed: string;
  rounds: number;
}

const THREADS = 2;
const NOOP: Task = { seed: '', rounds: 0 };
const args = parseArgs();
const TASKS = args.quick ? 1_000 : 4_000;
const NOOPS = args.quick ? 5_000 : 20_000;
const ROUNDS = args.rounds ?? (args.quick ? 3 : 5);
const worker = (name: string): string => path.join(__dirname, 'workers', name);
// tinypool is ESM only: a real import(), which ts-node's CommonJS output would turn into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, unknown>>;

interface Runner {
  name: string;
  run(task: Task | null): Promise<unknown>;
  close(): Promise<void>;
  /** Submits at a priority where the peer has one (only the pool does). */
  runAt?(task: Task, priority: 'low' | 'critical'): Promise<unknown>;
}

const ONE_PER_THREAD = "piscina, one task per thread (the pool's rule)";

/** `run` with at most `limit` calls in flight; the others wait in arrival order. */
function oneAtATimePerThread<T>(
  run: (task: T) => Promise<unknown>,
  limit: number,
): (task: T) => Promise<unknown> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return (task) =>
    new Promise((resolve, reject) => {
      const start = (): void => {
        active++;
        run(task).then(
          (value) => {
            active--;
            waiting.shift()?.();
            resolve(value);
          },
          (error: unknown) => {
            active--;
            waiting.shift()?.();
            reject(error);
          },
        );
      };
      if (active < limit) start();
      else waiting.push(start);
    });
}

async function runners(): Promise<Runner[]> {
  const list: Runner[] = [];
  const pool = new WorkerPool<Task | null, number>({
    logging: { level: 'silent' },
    handler: threadHandler({
      filename: worker('cpu.worker.js'),
      threads: { min: THREADS, max: THREADS },
    }),
  });
  list.push({
    name: 'rxjs-worker-pool/threads',
    run: (task) => pool.submit(task),
    runAt: (task, priority) => pool.submit(task, { priority }),
    close: async () => void (await pool.shutdown()),
  });

  const { Piscina } = await import('piscina');
  const piscina = new Piscina({
    filename: worker('cpu.worker.js'),
    minThreads: THREADS,
    maxThreads: THREADS,
  });
  list.push({ name: 'piscina', run: (task) => piscina.run(task), close: () => piscina.destroy() });
  // The pool's rule applied to piscina: a task goes to a thread only when one is free (the
  // channel stays the only queue, for priorities), so piscina never holds a next task ready
  // on the thread. The gap between this and plain piscina is what the rule itself costs.
  const onePerThread = new Piscina({
    filename: worker('cpu.worker.js'),
    minThreads: THREADS,
    maxThreads: THREADS,
  });
  list.push({
    name: ONE_PER_THREAD,
    run: oneAtATimePerThread((task) => onePerThread.run(task), THREADS),
    close: () => onePerThread.destroy(),
  });

  const { Tinypool } = (await importEsm('tinypool')) as {
    Tinypool: new (options: object) => {
      run(task: unknown): Promise<unknown>;
      destroy(): Promise<void>;
    };
  };
  const tinypool = new Tinypool({
    filename: worker('cpu.worker.js'),
    minThreads: THREADS,
    maxThreads: THREADS,
  });
  list.push({
    name: 'tinypool',
    run: (task) => tinypool.run(task),
    close: () => tinypool.destroy(),
  });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { FixedThreadPool } = require('poolifier') as typeof import('poolifier');
  const poolifier = new FixedThreadPool(THREADS, worker('cpu.poolifier.js'));
  list.push({
    name: 'poolifier',
    run: (task) => poolifier.execute(task),
    close: () => poolifier.destroy(),
  });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const workerpool = require('workerpool') as typeof import('workerpool');
  const wp = workerpool.pool(worker('cpu.workerpool.js'), {
    minWorkers: THREADS,
    maxWorkers: THREADS,
    workerType: 'thread',
  });
  list.push({
    name: 'workerpool',
    run: (task) => wp.exec('work', [task]),
    close: async () => void (await wp.terminate()),
  });
  return list;
}

async function main(): Promise<void> {
  const rounds = calibrate();
  const tasks: Task[] = Array.from({ length: TASKS }, (_, i) => ({ seed: `t${i}`, rounds }));
  const peers = await runners();
  const started = Date.now();

  const cpuCases: BenchCase[] = [
    {
      name: 'main thread',
      run: async () => {
        const start = performance.now();
        for (const task of tasks) work(task);
        return (TASKS * 1000) / (performance.now() - start);
      },
    },
    ...peers.map((peer) => ({
      name: peer.name,
      run: async () => {
        const start = performance.now();
        await Promise.all(tasks.map((task) => peer.run(task)));
        return (TASKS * 1000) / (performance.now() - start);
      },
    })),
  ];
  const cpu = await runInterleaved(cpuCases, { rounds: ROUNDS, warmupRounds: 1 });

  const noopCases: BenchCase[] = peers.map((peer) => ({
    name: peer.name,
    run: async () => {
      const start = performance.now();
      const pending: Promise<unknown>[] = new Array(NOOPS);
      for (let i = 0; i < NOOPS; i++) pending[i] = peer.run(NOOP);
      await Promise.all(pending);
      return (NOOPS * 1000) / (performance.now() - start);
    },
  }));
  const noop = await runInterleaved(noopCases, { rounds: ROUNDS, warmupRounds: 1 });

  // T3: the order of completion tells where the critical task ran (one attempt per thread).
  const inversion: [string, number][] = [];
  for (const peer of peers) {
    const order: string[] = [];
    const track = (id: string, pending: Promise<unknown>): Promise<unknown> =>
      pending.then(() => order.push(id));
    const low = tasks
      .slice(0, 1000)
      .map((task, i) => track(`low-${i}`, peer.runAt ? peer.runAt(task, 'low') : peer.run(task)));
    const critical = track(
      'critical',
      peer.runAt ? peer.runAt(tasks[0], 'critical') : peer.run(tasks[0]),
    );
    await Promise.all([...low, critical]);
    inversion.push([peer.name, order.indexOf('critical')]);
  }
  for (const peer of peers) await peer.close();

  const main = med(cpu, 'main thread');
  const ours = med(cpu, 'rxjs-worker-pool/threads');
  const oursNoop = med(noop, 'rxjs-worker-pool/threads');
  const spread = (results: typeof cpu, name: string): string => {
    const s = results.get(name)?.value;
    return s ? `${fmtCount(s.min)}–${fmtCount(s.max)}` : '';
  };
  const t1 = markdownTable(
    ['case', 'tasks/s (median)', 'min–max', 'vs main thread', 'rxjs-worker-pool vs it'],
    cpuCases.map((c) => [
      c.name,
      fmtCount(med(cpu, c.name)),
      spread(cpu, c.name),
      fmtRatio(med(cpu, c.name) / main),
      c.name === 'rxjs-worker-pool/threads' ? '' : fmtRatio(ours / med(cpu, c.name)),
    ]),
  );
  const t2 = markdownTable(
    ['case', 'no-op tasks/s (median)', 'min–max', 'rxjs-worker-pool vs it'],
    noopCases.map((c) => [
      c.name,
      fmtCount(med(noop, c.name)),
      spread(noop, c.name),
      c.name === 'rxjs-worker-pool/threads' ? '' : fmtRatio(oursNoop / med(noop, c.name)),
    ]),
  );
  const t3 = markdownTable(
    ['case', 'tasks finished before the critical one'],
    inversion.map(([name, index]) => [name, String(index)]),
  );
  const report = [
    `# Worker threads benchmark`,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`ts-node --transpile-only bench/threads.ts${args.quick ? ' --quick' : ''}\``,
    ...machineDescription(),
    `- Load average at the start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `- ${THREADS} threads per pool, ${ROUNDS} interleaved rounds (medians), wall time ${((Date.now() - started) / 1000).toFixed(0)} s`,
    '',
    `## T1: ${fmtCount(TASKS)} tasks of ~1 ms CPU (${rounds} chained SHA-256 rounds)`,
    '',
    t1,
    '',
    `## T2: no-op dispatch, ${fmtCount(NOOPS)} tasks`,
    '',
    t2,
    '',
    `"${ONE_PER_THREAD}" is piscina held to the dispatch rule of this pool (a task is handed to`,
    'a thread only when one is free, so the RxJS channel stays the only queue and a critical',
    'task is never stuck behind queued ones): the difference between it and plain piscina is',
    'what that rule costs on no-op tasks, where the hand-off is all there is.',
    '',
    '## T3: priority inversion',
    '',
    'A saturated pool (2 threads) gets 1,000 low tasks, then one critical task. The pool runs',
    'the critical one next (after the tasks already on threads); the peers have no per-call',
    'priority and run it in arrival order.',
    '',
    t3,
    '',
  ].join('\n');
  publishReport('threads', 'Worker threads', report, args);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
