import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { consumeBullMQ, toBullMQPriority } from '../bullmq';
import { buildPool, type CommandIo, type PoolFlags } from './run-command';
import { parseLine } from './jsonl';
import { ProgressWriter } from './progress';
import { UsageError } from './usage-error';

export interface WorkerFlags extends PoolFlags {
  queue: string;
  redis: string;
}

export interface EnqueueFlags {
  queue: string;
  redis: string;
  input: string;
  quiet?: boolean;
}

/**
 * `worker`: a pool fed from a BullMQ queue until SIGINT/SIGTERM, then a drain. Resolves 0 when
 * the drain finished, 1 when the deadline cut work off (those jobs are back in the queue).
 */
export async function workerCommand(flags: WorkerFlags, io: CommandIo): Promise<number> {
  checkRedisUrl(flags.redis);
  const { pool, config } = await buildPool(flags);
  const progress = new ProgressWriter(io.stderr, Boolean(io.stderr.isTTY));
  const startedAt = Date.now();
  let done = 0;
  let failed = 0;
  const consumed = new Promise<void>((resolve, reject) =>
    consumeBullMQ(pool, { queueName: flags.queue, connection: { url: flags.redis } }).subscribe({
      next: (result) => {
        if (result.status === 'succeeded') done++;
        else if (result.status === 'failed') {
          done++;
          failed++;
        }
      },
      error: reject,
      complete: resolve,
    }),
  );
  const metrics = pool.metrics$.subscribe((m) => {
    if (!flags.quiet) {
      progress.update(
        { done, failed, total: undefined, read: done, elapsedMs: Date.now() - startedAt },
        m,
      );
    }
  });
  let shutdown: ReturnType<typeof pool.shutdown> | undefined;
  const stop = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shutdown === undefined) {
        if (!flags.quiet)
          io.stderr.write(
            `\n${signal}: draining (${config.shutdown.timeoutMs} ms; again to force)\n`,
          );
        shutdown = pool.shutdown({ timeoutMs: config.shutdown.timeoutMs });
        resolve(signal);
      } else {
        void pool.shutdown({ force: true });
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  if (!flags.quiet) io.stderr.write(`consuming ${flags.queue} on ${flags.redis}\n`);
  await Promise.race([stop, consumed]);
  const report = await (shutdown ?? pool.shutdown());
  await consumed;
  metrics.unsubscribe();
  if (!flags.quiet) {
    io.stderr.write(
      `stopped: ${done} jobs done (${failed} failed); ${report.cancelled.length + report.aborted.length} returned to the queue\n`,
    );
  }
  return report.timedOut ? 1 : 0;
}

/** `enqueue`: one job per input line (data = input, jobId = id, priority via toBullMQPriority). */
export async function enqueueCommand(flags: EnqueueFlags, io: CommandIo): Promise<number> {
  checkRedisUrl(flags.redis);
  if (flags.input !== '-' && !existsSync(flags.input)) {
    throw new UsageError(`--input: cannot read ${flags.input} (ENOENT)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer
  const { Queue } = require('bullmq') as typeof import('bullmq');
  const queue = new Queue(flags.queue, { connection: { url: flags.redis } });
  const input = flags.input === '-' ? io.stdin : createReadStream(flags.input);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: Parameters<typeof queue.addBulk>[0] = [];
  let added = 0;
  let bad = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await queue.addBulk(batch);
    added += batch.length;
    batch = [];
  };
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      const parsed = parseLine(text, ++lineNumber);
      if (parsed.kind === 'blank') continue;
      if (parsed.kind === 'bad') {
        bad++;
        io.stderr.write(`line ${lineNumber}: ${parsed.reason}\n`);
        continue;
      }
      const { id, input: data, priority } = parsed.task;
      batch.push({ name: 'task', data, opts: { jobId: id, priority: toBullMQPriority(priority) } });
      if (batch.length >= 1_000) await flush();
    }
    await flush();
  } finally {
    await queue.close();
  }
  if (!flags.quiet)
    io.stderr.write(
      `enqueued ${added} jobs on ${flags.queue}${bad > 0 ? `, ${bad} bad lines` : ''}\n`,
    );
  return 0;
}

function checkRedisUrl(url: string): void {
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(
      `--redis: expected a redis:// or rediss:// URL, got ${JSON.stringify(url)}`,
    );
  }
}
