/**
 * Fair scheduling between tenants: one noisy tenant queues 2,000 jobs, then three quiet ones
 * submit 20 each at the same priority. Without keys the quiet tenants wait behind all of the
 * noisy one's jobs; with `key` they take turns with it (and `keys.concurrency` could also cap
 * what any one tenant holds). A few jobs are heavy (`weight: 4`: they hold four slots).
 *
 *   npx ts-node --transpile-only samples/multi-tenant.ts
 */
import { performance } from 'node:perf_hooks';
import { WorkerPool } from '../lib';

interface Job {
  tenant: string;
  n: number;
}

/** A job that takes about 1 ms of I/O (a database call, say). */
const handle = (job: Job): Promise<number> =>
  new Promise((resolve) => setTimeout(() => resolve(job.n), 1));

async function run(withKeys: boolean): Promise<void> {
  const pool = new WorkerPool<Job, number>({
    logging: { level: 'warn' },
    handler: handle,
    concurrency: 16,
    // keys: { concurrency: 8 } would also cap each tenant at 8 of the 16 slots.
  });
  const started = performance.now();
  const waits = new Map<string, number[]>();
  const finishedAt = new Map<string, number>();
  const submit = (tenant: string, n: number, weight = 1): Promise<void> => {
    const queuedAt = performance.now();
    let firstStart = 0;
    return pool
      .run(
        async () => {
          firstStart = performance.now();
          return handle({ tenant, n });
        },
        withKeys ? { key: tenant, weight } : { weight },
      )
      .then(() => {
        waits.set(tenant, [...(waits.get(tenant) ?? []), firstStart - queuedAt]);
        finishedAt.set(tenant, performance.now() - started);
      });
  };
  const all: Promise<void>[] = [];
  for (let n = 0; n < 2_000; n++) all.push(submit('noisy', n, n % 50 === 0 ? 4 : 1));
  for (const tenant of ['quiet-a', 'quiet-b', 'quiet-c']) {
    for (let n = 0; n < 20; n++) all.push(submit(tenant, n));
  }
  await Promise.all(all);
  await pool.shutdown();
  console.log(withKeys ? '\nWith key (one per tenant):' : 'Without keys (one FIFO per priority):');
  for (const [tenant, list] of waits) {
    const sorted = [...list].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `  ${tenant.padEnd(8)} ${String(list.length).padStart(5)} jobs  wait p50 ${p50.toFixed(0).padStart(4)} ms,` +
        ` max ${sorted[sorted.length - 1].toFixed(0).padStart(4)} ms;  last done at ${finishedAt.get(tenant)?.toFixed(0)} ms`,
    );
  }
}

async function main(): Promise<void> {
  await run(false);
  await run(true);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
