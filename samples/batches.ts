/**
 * Batches: a simulated bulk API (2 ms a call, whether it carries 1 row or 100) behind the same
 * pool, unbatched and then with `batchHandler`. Each row is still its own task with its own
 * result: a row the API rejects fails alone and is retried alone, in a later batch.
 *
 *   npx ts-node --transpile-only samples/batches.ts
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchItemFailure, WorkerPool, batchHandler } from '../lib';

interface Row {
  id: number;
  name: string;
}

/** The bulk API: one round trip per call, up to 100 rows; it rejects each row once in 1,000. */
const api = {
  calls: 0,
  async insertMany(rows: Row[], signal: AbortSignal): Promise<(number | Error)[]> {
    if (rows.length > 100) throw new RangeError('at most 100 rows a call');
    this.calls++;
    await sleep(2, undefined, { signal });
    return rows.map((row) =>
      row.id % 1_000 === 999 && !retried.has(row.id)
        ? (retried.add(row.id), new Error(`row ${row.id}: deadlock, try again`))
        : row.id,
    );
  },
};
const retried = new Set<number>();

const ROWS = 5_000;
const rows = Array.from({ length: ROWS }, (_, id) => ({ id, name: `row ${id}` }));

async function run(batched: boolean): Promise<void> {
  api.calls = 0;
  retried.clear();
  const pool = new WorkerPool<Row, number>({
    logging: { level: 'warn' },
    concurrency: 4,
    retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1 } },
    handler: batched
      ? batchHandler(
          async (batch: Row[], { signal }) => {
            const outcomes = await api.insertMany(batch, signal);
            // A rejected row fails alone: the others of its call succeed.
            return outcomes.map((out) => (out instanceof Error ? new BatchItemFailure(out) : out));
          },
          { maxSize: 100, maxWaitMs: 5 },
        )
      : async (row, { signal }) => {
          const [out] = await api.insertMany([row], signal);
          if (out instanceof Error) throw out;
          return out;
        },
  });
  const started = performance.now();
  const results = await Promise.allSettled(rows.map((row) => pool.submit(row)));
  const ms = performance.now() - started;
  const inserted = results.filter((r) => r.status === 'fulfilled').length;
  const metrics = pool.metrics();
  await pool.shutdown();
  console.log(
    `${batched ? 'batched  ' : 'unbatched'} ${inserted}/${ROWS} rows in ${ms.toFixed(0).padStart(5)} ms` +
      ` (${Math.round((ROWS * 1000) / ms).toLocaleString('en')} rows/s), ${api.calls} API calls,` +
      ` ${metrics.retries} rows retried` +
      (metrics.batches
        ? `; batch size p50 ${metrics.batches.size.p50}, max ${metrics.batches.size.max}`
        : ''),
  );
  if (inserted !== ROWS) process.exitCode = 1;
}

async function main(): Promise<void> {
  await run(false);
  await run(true);
}

void main();
