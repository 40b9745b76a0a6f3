/**
 * BullMQ on a local redis-server: the pool fed by consumeBullMQ against a plain BullMQ Worker.
 *
 *   B1  jobs/s through one consumer process, pool vs plain Worker, concurrency 16,
 *       no-op and 1 ms jobs (a pre-filled queue drained to empty), whole drain and steady
 *       rate (after the first 10 %: a fresh process compiles its code on the first jobs)
 *   B2  1, 2 and 4 pool consumer processes on one queue: jobs/s and the efficiency 1 → 2
 *   B3  recovery: SIGKILL a consumer holding jobs; time until another has completed them all
 *
 * Writes bench/BULLMQ.md. Run: `ts-node --transpile-only bench/bullmq.ts [--quick]`.
 */
import { loadavg } from 'node:os';
import { Queue, QueueEvents } from 'bullmq';
import {
  fmtCount,
  fmtRatio,
  machineDescription,
  markdownTable,
  median,
  parseArgs,
  publishReport,
} from './harness';
import { redisServerAvailable, startRedisServer } from '../samples/support/local-redis';
import { drain, startConsumer } from './bullmq-drain';

const args = parseArgs();
const JOBS = args.quick ? 4_000 : 20_000;
const ROUNDS = args.rounds ?? (args.quick ? 2 : 5);
const CONCURRENCY = 16;
let serial = 0;

/** ms from SIGKILL of a consumer holding jobs until another consumer completed them all. */
async function recovery(url: string, lockDurationMs: number): Promise<number> {
  const name = `bench-${process.pid}-recovery-${++serial}`;
  const connection = { url };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const held = CONCURRENCY + 2;
  // Long jobs: the victim holds them when it dies.
  const victim = await startConsumer('pool', url, name, 60_000, CONCURRENCY, lockDurationMs);
  let active = 0;
  const allActive = new Promise<void>((resolve) =>
    events.on('active', () => {
      if (++active === held) resolve();
    }),
  );
  await queue.addBulk(Array.from({ length: held }, () => ({ name: 'j', data: 0 })));
  await allActive;
  // The rescuer runs short jobs; it is up before the kill.
  const rescuer = await startConsumer('pool', url, name, 0, CONCURRENCY, lockDurationMs);
  let completed = 0;
  const done = new Promise<void>((resolve) =>
    events.on('completed', () => {
      if (++completed === held) resolve();
    }),
  );
  victim.child.kill('SIGKILL');
  await victim.exited;
  const killedAt = performance.now();
  await done;
  const ms = performance.now() - killedAt;
  rescuer.child.kill('SIGTERM');
  await rescuer.exited;
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return ms;
}

async function main(): Promise<void> {
  if (!process.env.REDIS_URL && !redisServerAvailable()) {
    console.log(
      'bench/bullmq.ts: no redis-server (apt-get install redis-server) and no REDIS_URL: skipped',
    );
    return;
  }
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url = process.env.REDIS_URL ?? (server as { url: string }).url;
  const startedAt = Date.now();
  try {
    const b1: Record<string, number[]> = {};
    const b1Steady: Record<string, number[]> = {};
    const cases: [string, 'pool' | 'worker', number][] = [
      ['pool, no-op', 'pool', 0],
      ['BullMQ Worker, no-op', 'worker', 0],
      ['pool, 1 ms jobs', 'pool', 1],
      ['BullMQ Worker, 1 ms jobs', 'worker', 1],
    ];
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < cases.length; k++) {
        const [label, kind, jobMs] = cases[(r + k) % cases.length];
        const rate = await drain(url, kind, 1, jobMs, JOBS, CONCURRENCY);
        (b1[label] ??= []).push(rate.whole);
        (b1Steady[label] ??= []).push(rate.steady);
        console.error(`B1 ${label}: ${fmtCount(rate.whole)}/s (steady ${fmtCount(rate.steady)}/s)`);
      }
    }
    const b2: Record<number, number[]> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const processes of [1, 2, 4]) {
        (b2[processes] ??= []).push(
          (await drain(url, 'pool', processes, 1, JOBS, CONCURRENCY)).whole,
        );
        console.error(`B2 ${processes} processes: ${fmtCount(b2[processes].at(-1) as number)}/s`);
      }
    }
    const b3: Record<number, number[]> = {};
    for (const lock of [1_000, 4_000]) {
      for (let r = 0; r < (args.quick ? 1 : 3); r++) {
        (b3[lock] ??= []).push(await recovery(url, lock));
        console.error(`B3 lock ${lock}: ${Math.round(b3[lock].at(-1) as number)} ms`);
      }
    }

    const m = (values: number[]): number => median(values);
    const range = (values: number[]): string =>
      `${fmtCount(Math.min(...values))}–${fmtCount(Math.max(...values))}`;
    const t1 = markdownTable(
      [
        'case',
        'jobs/s (median)',
        'min–max',
        'pool vs plain Worker',
        'steady jobs/s (after 10 %)',
        'min–max',
        'pool vs plain Worker (steady)',
      ],
      cases.map(([label]) => {
        const peer = label.replace('pool', 'BullMQ Worker');
        const isPool = label.startsWith('pool');
        return [
          label,
          fmtCount(m(b1[label])),
          range(b1[label]),
          isPool ? fmtRatio(m(b1[label]) / m(b1[peer])) : '',
          fmtCount(m(b1Steady[label])),
          range(b1Steady[label]),
          isPool ? fmtRatio(m(b1Steady[label]) / m(b1Steady[peer])) : '',
        ];
      }),
    );
    const one = m(b2[1]);
    const t2 = markdownTable(
      ['consumer processes', 'jobs/s (median)', 'min–max', 'vs 1 process', 'efficiency'],
      [1, 2, 4].map((n) => [
        String(n),
        fmtCount(m(b2[n])),
        range(b2[n]),
        fmtRatio(m(b2[n]) / one),
        `${Math.round((m(b2[n]) / one / n) * 100)} %`,
      ]),
    );
    const t3 = markdownTable(
      ['lockDurationMs', 'recovery ms (median)', 'min–max', 'target (2 × lock)', 'met'],
      [1_000, 4_000].map((lock) => [
        String(lock),
        String(Math.round(m(b3[lock]))),
        `${Math.round(Math.min(...b3[lock]))}–${Math.round(Math.max(...b3[lock]))}`,
        String(2 * lock),
        Math.max(...b3[lock]) <= 2 * lock ? 'yes' : 'no',
      ]),
    );
    const report = [
      '# BullMQ benchmark',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Command: \`ts-node --transpile-only bench/bullmq.ts${args.quick ? ' --quick' : ''}\``,
      ...machineDescription(),
      `- Redis: local redis-server on loopback (${process.env.REDIS_URL ? 'REDIS_URL' : 'started by the bench'})`,
      `- Load average at the start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      `- ${fmtCount(JOBS)} jobs per case, pre-filled; each consumer a separate process at concurrency ${CONCURRENCY}; ${ROUNDS} rounds, medians; wall time ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
      '',
      '## B1: one consumer process, pool vs a plain BullMQ Worker',
      '',
      t1,
      '',
      '## B2: pool consumer processes on one queue (1 ms jobs)',
      '',
      'All processes and Redis share the 2 cores of this machine, so more processes compete for',
      'the same CPU: this measures the overhead of sharing a queue, not what more machines give.',
      '',
      t2,
      '',
      '## B3: recovery after SIGKILL',
      '',
      `A consumer holding ${CONCURRENCY + 2} long jobs is killed with SIGKILL; a second consumer (same lock`,
      'settings) is running. Time from the kill until the second has completed all of them.',
      '',
      t3,
      '',
    ].join('\n');
    publishReport('bullmq', 'BullMQ', report, args);
  } finally {
    await server?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
