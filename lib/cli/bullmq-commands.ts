import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import type { Span } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { consumeBullMQ, toBullMQPriority } from '../bullmq';
import { onSignals } from '../index';
import { buildPool, type PoolFlags } from './build-pool';
import type { CommandIo } from './run-command';
import { parseLine } from './jsonl';
import { ProgressWriter } from './progress';
import { redisNoticeLogger } from './redis-notices';
import { producerSpan, startTracing } from './trace-export';
import { UsageError } from './usage-error';

export interface WorkerFlags extends PoolFlags {
  queue: string;
  redis: string;
  /** `lockDurationMs` of the consumer. */
  lockDuration?: number;
}

/**
 * Beyond `shutdown.timeoutMs`, how long `worker` waits for BullMQ to hand back its jobs and
 * close its connections before it exits anyway (Redis unreachable): the jobs are then
 * recovered by the stalled check within 2 × the lock duration.
 */
export const WORKER_CLOSE_GRACE_MS = 1_000;

export interface EnqueueFlags {
  queue: string;
  redis: string;
  input: string;
  quiet?: boolean;
  /** A producer span per job, carried to the job for `worker --trace` to continue. */
  trace?: boolean;
}

/**
 * `worker`: a pool fed from a BullMQ queue until SIGINT/SIGTERM, then a drain. Resolves 0 when
 * the drain finished, 1 when the deadline cut work off (those jobs are back in the queue).
 */
export async function workerCommand(flags: WorkerFlags, io: CommandIo): Promise<number> {
  checkRedisUrl(flags.redis);
  const { pool, config, tracing } = await buildPool(flags, 'worker');
  const progress = await ProgressWriter.create(io.stderr, Boolean(io.stderr.isTTY));
  const startedAt = Date.now();
  let done = 0;
  let failed = 0;
  const consumed = new Promise<void>((resolve, reject) =>
    consumeBullMQ(pool, {
      queueName: flags.queue,
      connection: { url: flags.redis },
      ...(flags.lockDuration === undefined ? {} : { lockDurationMs: flags.lockDuration }),
      // A Redis outage: one plain line per kind of error, not a JSON stack every second.
      logger: redisNoticeLogger((line) => progress.note(line)),
      // The "key" and "weight" of the line `enqueue` read.
      keyOf: (job) => placementOf(job)?.key,
      weightOf: (job) => placementOf(job)?.weight,
    }).subscribe({
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
      progress.update({ done, failed, total: undefined, elapsedMs: Date.now() - startedAt }, m);
    }
  });
  let shutdown: ReturnType<typeof pool.shutdown> | undefined;
  // Settles on a second signal, or at the deadline plus a grace: the process then exits
  // whatever Redis does (BullMQ's close waits on Redis without a limit of its own).
  let giveUp: (reason: string) => void = () => undefined;
  const givenUp = new Promise<string>((resolve) => (giveUp = resolve));
  let deadline: NodeJS.Timeout | undefined;
  let resolveStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stop = new Promise<NodeJS.Signals>((resolve) => (resolveStop = resolve));
  onSignals({
    first: (signal) => {
      if (!flags.quiet)
        progress.note(`${signal}: draining (${config.shutdown.timeoutMs} ms; again to force)`);
      shutdown = pool.shutdown({ timeoutMs: config.shutdown.timeoutMs });
      deadline = setTimeout(
        () => giveUp(`the drain and BullMQ's close took past the deadline`),
        config.shutdown.timeoutMs + WORKER_CLOSE_GRACE_MS,
      );
      resolveStop(signal);
    },
    again: (signal) => {
      if (!flags.quiet) progress.note(`${signal} again: forcing`);
      void pool.shutdown({ force: true });
      giveUp(`${signal} again`);
    },
  });
  if (!flags.quiet) io.stderr.write(`consuming ${flags.queue} on ${flags.redis}\n`);
  await Promise.race([stop, consumed]);
  const drained = (async () => {
    const report = await (shutdown ?? pool.shutdown());
    await consumed;
    return report;
  })();
  const outcome = await Promise.race([drained, givenUp]);
  clearTimeout(deadline);
  metrics.unsubscribe();
  // Bounded like the rest: an unreachable collector must not keep the worker from exiting.
  await Promise.race([tracing?.shutdown(), delay(WORKER_CLOSE_GRACE_MS)]);
  if (typeof outcome === 'string') {
    // Jobs not handed back are recovered by the stalled check of any consumer.
    io.stderr.write(`stopped without waiting any longer (${outcome}): ${done} jobs done\n`);
    return 1;
  }
  const report = outcome;
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
  const { Queue } = loadBullMQ();
  const tracing = flags.trace ? startTracing('enqueue') : undefined;
  const spans: Span[] = [];
  const queue = new Queue(flags.queue, { connection: { url: flags.redis } });
  const input = flags.input === '-' ? io.stdin : createReadStream(flags.input);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: Parameters<typeof queue.addBulk>[0] = [];
  let added = 0;
  let existing = 0;
  let bad = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    // A job whose id is already in the queue is not added again (BullMQ keeps the old one):
    // counted apart, so a second enqueue of the same file says it added nothing.
    const before = await Promise.all(batch.map((job) => queue.getJob(job.opts?.jobId as string)));
    const found = before.filter((job) => job !== undefined && job !== null).length;
    await queue.addBulk(batch);
    // A producer span lasts until its job is in Redis.
    for (const span of spans.splice(0)) span.end();
    existing += found;
    added += batch.length - found;
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
      const { id, input: data, priority, key, weight } = parsed.task;
      const opts = { jobId: id, priority: toBullMQPriority(priority) };
      // BullMQ keeps job options it does not know: the worker reads these back.
      if (key !== undefined || weight !== undefined) {
        Object.assign(opts, { [PLACEMENT_OPTION]: { key, weight } });
      }
      if (tracing !== undefined) {
        const { span, telemetry } = producerSpan(tracing, flags.queue, id);
        spans.push(span);
        Object.assign(opts, { telemetry });
      }
      batch.push({ name: 'task', data, opts });
      if (batch.length >= 1_000) await flush();
    }
    await flush();
  } finally {
    await queue.close();
    await tracing?.shutdown();
  }
  if (!flags.quiet)
    io.stderr.write(
      `enqueued ${added} jobs on ${flags.queue}, ${existing} already there (same id)${bad > 0 ? `, ${bad} bad lines` : ''}\n`,
    );
  return 0;
}

/** The job option where `enqueue` keeps a line's `"key"` and `"weight"` for `worker`. */
const PLACEMENT_OPTION = 'rxjsWorkerPool';

function placementOf(job: Job): { key?: string; weight?: number } | undefined {
  return (job.opts as Record<string, { key?: string; weight?: number } | undefined>)[
    PLACEMENT_OPTION
  ];
}

/** bullmq is an optional peer: without it, `enqueue` says what to install (exit 2). */
function loadBullMQ(): typeof import('bullmq') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer
    return require('bullmq') as typeof import('bullmq');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new UsageError('enqueue needs bullmq: npm install bullmq ioredis');
  }
}

function checkRedisUrl(url: string): void {
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(
      `--redis: expected a redis:// or rediss:// URL, got ${JSON.stringify(url)}`,
    );
  }
}
