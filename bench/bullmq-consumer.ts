/**
 * A consumer process for bench/bullmq.ts and bench/batches.ts: `pool` (a WorkerPool fed by
 * consumeBullMQ), `pool-batch` (the same with a batch handler, batches of 50) or `worker` (a
 * plain BullMQ Worker), at the same concurrency, on no-op or 1 ms jobs.
 *
 *   ts-node --transpile-only bench/bullmq-consumer.ts <pool|pool-batch|worker> <redisUrl> <queue> <concurrency> <jobMs> [lockDurationMs]
 *
 * Prints `ready` once it consumes; runs until SIGTERM (pool: drains) or SIGKILL.
 */
import { Worker } from 'bullmq';
import { WorkerPool, batchHandler } from '../lib';
import { consumeBullMQ } from '../lib/bullmq';

const [kind, url, queueName, concurrencyArg, jobMsArg, lockArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const jobMs = Number(jobMsArg);
const lockDurationMs = lockArg === undefined ? 30_000 : Number(lockArg);
const work = (): Promise<number> | number =>
  jobMs === 0 ? 1 : new Promise((resolve) => setTimeout(() => resolve(1), jobMs));

if (kind === 'pool' || kind === 'pool-batch') {
  const pool = new WorkerPool<unknown, number>({
    logging: { level: 'silent' },
    handler:
      kind === 'pool'
        ? work
        : batchHandler(
            async (inputs: unknown[]) => {
              await work();
              return inputs.map(() => 1);
            },
            { maxSize: 50 },
          ),
    concurrency,
    retry: { maxAttempts: 1 },
    handleSignals: true,
  });
  consumeBullMQ(pool, { queueName, connection: { url }, lockDurationMs }).subscribe();
} else {
  const worker = new Worker(queueName, async () => work(), {
    connection: { url },
    concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: Math.floor(lockDurationMs / 2),
  });
  process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
}
console.log('ready');
