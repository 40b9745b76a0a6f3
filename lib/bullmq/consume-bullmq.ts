import { Observable } from 'rxjs';
import type { Job, Worker, WorkerOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import {
  ConfigError,
  MAX_TIMER_MS,
  requireOptionalPeer,
  TaskCancelledError,
  compileOptionsSchema,
  createLogger,
  describeValue,
  type ConfigProblem,
  type OptionsCheck,
  type TaskResult,
  type WorkerPool,
} from '../index';
import { inProducerTrace } from './producer-trace';
import { fromBullMQPriority } from './priority';

/**
 * Options of {@link consumeBullMQ}.
 *
 * ## Example
 * ```ts
 * import type { ConsumeBullMQOptions } from 'rxjs-worker-pool/bullmq';
 * const options: ConsumeBullMQOptions = {
 *   queueName: 'emails',
 *   connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
 *   lockDurationMs: 30_000,
 * };
 * ```
 */
export interface ConsumeBullMQOptions {
  /** The BullMQ queue to take jobs from. */
  queueName: string;
  /** ioredis options, or `{ url }` (`redis://user:pass@host:port/db`, `rediss://` for TLS). */
  connection: RedisOptions | { url: string };
  /**
   * How long a job's lock lasts unless renewed, in ms (renewed every half of it while its task
   * runs). The stalled check runs every half of it too, so the jobs of a process that died are
   * back in the queue within twice this. Defaults to BullMQ's 30,000. Use the same value in every
   * consumer of a queue: one with a longer check delays everyone's recovery.
   */
  lockDurationMs?: number;
  /** BullMQ key prefix. Defaults to BullMQ's `bull`. */
  prefix?: string;
  /**
   * How long unsubscribing waits for this consumer's running tasks before aborting them, in ms.
   * Defaults to the pool's `shutdown.timeoutMs` (none set: until they end).
   */
  unsubscribeTimeoutMs?: number;
  /** Logs Redis and BullMQ errors. Defaults to a warn-level logger on stderr. */
  logger?: Logger;
  /**
   * The fairness key of a job's task (a tenant, a host): the pool's `keys` limits hold within
   * this consumer process. Defaults to none.
   */
  keyOf?: (job: Job) => string | undefined;
  /**
   * The weight of a job's task (slots it holds). The jobs this process fetches count their
   * weights against the pool's limit. Defaults to 1.
   */
  weightOf?: (job: Job) => number | undefined;
}

/**
 * Jobs held beyond the concurrency limit, so a thread or slot that frees up finds its next job
 * already here rather than a Redis round trip away.
 *
 * ## Example
 * ```ts
 * import { BULLMQ_PREFETCH } from 'rxjs-worker-pool/bullmq';
 * // A consumer of a pool at concurrency 8 holds at most this many jobs of the queue:
 * const held = 8 + BULLMQ_PREFETCH; // 10
 * ```
 */
export const BULLMQ_PREFETCH = 2;
/** BullMQ needs a finite concurrency: what an unbounded pool limit holds at most. */
const MAX_HELD = 1_000;

/** A job's task in the pool, from its submit until its result is emitted. */
interface Held<I, O> {
  /** The pool's promise for the task (set right after the entry): every delivery awaits it. */
  outcome: Promise<O> | undefined;
  result: TaskResult<I, O> | undefined;
  /** The task's weight: a heavy job counts against the fetch bound. */
  weight: number;
}

/**
 * Feeds a pool from a BullMQ queue on Redis: each job becomes a task (input `job.data`, id
 * `job.id`, priority from the job's BullMQ priority, see `toBullMQPriority`), run by the pool's
 * handler. Cold: subscribing starts taking jobs, and the Observable emits each task's result
 * once its job's state is written to Redis (completed with the value, failed with the error, or
 * back to waiting when shutdown or unsubscribing cut it).
 *
 * - **What one process takes.** A BullMQ `Worker` (its locks, lock renewal and stalled
 *   checks) fetches at most the pool's concurrency limit plus {@link BULLMQ_PREFETCH} jobs at a
 *   time, following the limit as it changes (by hand or by the autoscaler). BullMQ applies a
 *   lower limit at once and a higher one when its next job ends.
 * - **Retries.** The pool's `retry` runs within one delivery; when the task finally fails, the
 *   job fails with its error, and BullMQ's own `attempts`/`backoff` decide whether it is
 *   delivered again (each delivery gives one result). Set one of them, not both, unless you
 *   mean retries × deliveries.
 * - **At least once.** A process that dies (SIGKILL) leaves its jobs locked; the stalled check
 *   (every `lockDurationMs / 2`) of any consumer returns them to waiting within
 *   2 × `lockDurationMs`. A job may so run twice: handlers must be idempotent.
 * - **Keys and weights.** `keyOf(job)` and `weightOf(job)` give each task its fairness key and
 *   weight; key limits hold within this process, and the jobs it holds count their weights
 *   against its fetch bound.
 * - **Batches.** With a `batchHandler`, each job is one item of a batch and is still completed
 *   or failed on its own; the fetch bound covers a full batch per slot (the limit ×
 *   `maxSize`, in weight units, plus the prefetch).
 * - **Tracing.** A job that carries a trace context (BullMQ's own `telemetry`, or the CLI's
 *   `enqueue --trace`) is submitted inside it: with `withTracing` on the pool, the task span
 *   continues the producer's trace.
 * - **Shutdown.** `pool.shutdown()` stops fetching at once, drains to its deadline, returns the
 *   jobs that never started and those aborted at the deadline to waiting (not failed, not
 *   counted as stalled; they are the report's `cancelled` and `aborted` tasks), closes the
 *   Worker, then completes this Observable; shutdown waits for that (up to its cleanup
 *   timeout). Unsubscribing does the same for this consumer only and leaves the pool running.
 *
 * ## Example
 * ```ts
 * import { WorkerPool } from 'rxjs-worker-pool';
 * import { consumeBullMQ } from 'rxjs-worker-pool/bullmq';
 * const pool = new WorkerPool({ handler: sendEmail, concurrency: 16, handleSignals: true });
 * consumeBullMQ(pool, { queueName: 'emails', connection: { host: '127.0.0.1', port: 6379 } })
 *   .subscribe((result) => console.log(result.task.id, result.status));
 * ```
 */
export function consumeBullMQ<I, O>(
  pool: WorkerPool<I, O>,
  options: ConsumeBullMQOptions,
): Observable<TaskResult<I, O>> {
  const settings = checkConsumerOptions(options);
  return new Observable<TaskResult<I, O>>((subscriber) => {
    const bullmq = loadBullMQ();
    const logger = settings.logger ?? createLogger();
    const held = new Map<string, Held<I, O>>();
    /** Set once this consumer stops: a task cancelled from then on goes back to waiting. */
    let stopping = false;
    let closed: Promise<void> | undefined;

    /** Emits a job's result once its state is in Redis; `failure` when BullMQ failed it. */
    const emit = (id: string, failure?: Error): void => {
      const entry = held.get(id);
      // Not ended yet: the event is about an earlier delivery; the task's own is still to come.
      if (entry === undefined || entry.result === undefined) return;
      held.delete(id);
      if (entry.weight > 1) {
        extraWeight -= entry.weight - 1;
        fetchBound();
      }
      const result = entry.result;
      // The task succeeded but BullMQ could not complete the job (a value JSON cannot hold,
      // a lost lock): the job is failed in Redis, and the result says what Redis says.
      if (failure !== undefined && result.status === 'succeeded') {
        subscriber.next({
          ...result,
          status: 'failed',
          value: undefined,
          error: failure,
          errors: [...(result.errors ?? []), failure],
        });
      } else subscriber.next(result);
    };

    /** Jobs held, weighing more than 1 slot each, beyond that one slot: the fetch bound counts them. */
    let extraWeight = 0;
    let limitInForce = 1;
    // A batch handler fills each slot with up to maxSize units: enough jobs to fill them all.
    const perSlot = pool.batchMaxSize ?? 1;
    const fetchBound = (): void => {
      if (!worker.closing) {
        worker.concurrency = Math.max(1, heldLimit(limitInForce * perSlot) - extraWeight);
      }
    };
    const submitJob = (job: Job<I, O>, id: string, entry: Held<I, O>): Promise<O> => {
      let key: string | undefined;
      let weight: number | undefined;
      try {
        key = settings.keyOf?.(job);
        weight = settings.weightOf?.(job);
      } catch (error) {
        return refused(job, id, entry, error);
      }
      if (typeof weight === 'number' && weight > 1) {
        entry.weight = weight;
        extraWeight += weight - 1;
        fetchBound();
      }
      const outcome = pool.submit(job.data, {
        id,
        priority: fromBullMQPriority(job.opts.priority),
        ...(key === undefined ? {} : { key }),
        ...(weight === undefined ? {} : { weight }),
      });
      // Neither live nor ended: the pool refused it (a bad key or weight, a full queue).
      if (entry.result === undefined && pool.taskState(id) === undefined) {
        return outcome.catch((error: unknown) => refused(job, id, entry, error));
      }
      return outcome;
    };
    /**
     * A job the pool never accepted still gets its one result: failed, with the refusal as its
     * error, emitted once BullMQ has failed the job.
     */
    const refused = (job: Job<I, O>, id: string, entry: Held<I, O>, error: unknown): Promise<O> => {
      const reason = error instanceof Error ? error : new Error(String(error));
      entry.result = {
        task: {
          id,
          input: job.data,
          priority: fromBullMQPriority(job.opts.priority),
          submittedAt: Date.now(),
        },
        status: 'failed',
        error: reason,
        errors: [reason],
        attempts: 0,
        waitMs: 0,
        runMs: 0,
      } as TaskResult<I, O>;
      return Promise.reject(reason);
    };

    // Two parameters, not three: BullMQ makes an AbortController per job for a processor that
    // takes a signal, and the pool would watch each one. Only `worker.cancelJob` fires it, and
    // this Worker is private to the consumer: tasks are cancelled through the pool.
    const processor = async (job: Job<I, O>, token?: string): Promise<O> => {
      const id = String(job.id);
      let entry = held.get(id);
      if (entry === undefined) {
        // Held before the submit: a handler that returns at once ends its task inside it.
        const fresh: Held<I, O> = { outcome: undefined, result: undefined, weight: 1 };
        held.set(id, fresh);
        // In the producer's trace, when the job carries one: a traced pool's task continues it.
        // A keyOf or weightOf that throws, or gives what submit refuses, fails the job.
        fresh.outcome = inProducerTrace(job, () => submitJob(job, id, fresh));
        entry = fresh;
      }
      // Otherwise the job came back while its task still runs, or after its outcome could not
      // be written: its lock was lost (an outage longer than lockDurationMs) and the stalled
      // check put it back to wait. It joins that task instead of running again (a second
      // submit would refuse the live id and fail the job), and this delivery, which holds the
      // lock now, writes the one outcome.
      try {
        // Set by the first delivery, synchronously, before any other could come.
        return await (entry.outcome as Promise<O>);
      } catch (error) {
        if (stopping && isCut(error)) {
          // Shutdown or unsubscribe cut it: back to waiting, neither failed nor stalled.
          await job.moveToWait(token);
          emit(id);
          throw new bullmq.WaitingError();
        }
        throw error;
      }
    };

    const worker: Worker<I, O> = new bullmq.Worker<I, O>(settings.queueName, processor, {
      connection: settings.connection as WorkerOptions['connection'],
      prefix: settings.prefix,
      concurrency: heldLimit(1),
      lockDuration: settings.lockDurationMs,
      // Every consumer checks as often: mixed settings delay recovery to the slowest check.
      stalledInterval: Math.max(1, Math.floor(settings.lockDurationMs / 2)),
      autorun: false,
    });
    worker.on('completed', (job) => emit(String(job.id)));
    worker.on('failed', (job, error) => {
      if (job !== undefined) emit(String(job.id), error);
    });
    worker.on('error', (error) =>
      logger.error({ err: error, queue: settings.queueName }, 'BullMQ consumer error'),
    );

    // Results arrive on the pool's results$ before the job's state is written; they are held
    // until BullMQ reports the write.
    const results = pool.results$.subscribe((result) => {
      const entry = held.get(result.task.id);
      if (entry !== undefined) entry.result = result;
    });
    // Fetch as much as the pool can run, plus the prefetch, following the limit.
    const limits = pool.concurrency$.subscribe((limit) => {
      limitInForce = limit;
      fetchBound();
    });

    const close = (): Promise<void> => {
      closed ??= (async () => {
        stopping = true;
        limits.unsubscribe();
        // Stops fetching now; resolves once every processor has returned.
        const closing = worker.close();
        await closing;
        results.unsubscribe();
      })().catch((error: unknown) => {
        logger.error(
          { err: error, queue: settings.queueName },
          'closing the BullMQ consumer failed',
        );
      });
      return closed;
    };

    // pool.shutdown(): stop fetching at once; the drain decides what runs; shutdown waits for the
    // returned jobs and the Worker's close before its report.
    const removeStartHook = pool.onShutdownStart(() => {
      void close().then(() => subscriber.complete());
    });
    try {
      pool.onShutdown(() => close());
    } catch (error) {
      removeStartHook();
      subscriber.error(error);
      return undefined;
    }
    worker.run().catch((error: unknown) => subscriber.error(error));

    return () => {
      removeStartHook();
      if (closed !== undefined) return;
      // Unsubscribed with the pool running: cancel this consumer's waiting tasks now, let its
      // running ones finish until the deadline, then abort them; all go back to waiting.
      stopping = true;
      for (const id of held.keys()) if (pool.taskState(id) === 'waiting') pool.cancel(id);
      const deadlineMs = settings.unsubscribeTimeoutMs ?? pool.shutdownTimeoutMs;
      const timer =
        deadlineMs === undefined
          ? undefined
          : setTimeout(() => {
              for (const id of held.keys()) pool.cancel(id);
            }, deadlineMs);
      void close().finally(() => clearTimeout(timer));
    };
  });

  /** What the Worker may hold for a pool limit. */
  function heldLimit(limit: number): number {
    return Math.min(limit, MAX_HELD) + BULLMQ_PREFETCH;
  }
}

/** bullmq loads with the first consumer, not with the package; it is an optional peer. */
function loadBullMQ(): typeof import('bullmq') {
  return requireOptionalPeer('bullmq', 'consumeBullMQ', 'npm install bullmq ioredis');
}

/** The task was cancelled or aborted by shutdown or by this consumer, not by its own failure. */
function isCut(error: unknown): boolean {
  if (!(error instanceof TaskCancelledError)) return false;
  return error.reason === 'shutdown' || error.reason === 'caller';
}

interface ConsumerSettings {
  queueName: string;
  connection: RedisOptions;
  lockDurationMs: number;
  prefix: string | undefined;
  unsubscribeTimeoutMs: number | undefined;
  logger: Logger | undefined;
  keyOf: ((job: Job) => string | undefined) | undefined;
  weightOf: ((job: Job) => number | undefined) | undefined;
}

/**
 * The JSON Schema of {@link ConsumeBullMQOptions}: its defaults and limits are written here and
 * read from here. The connection (ioredis options or a URL) and the logger are checked after.
 */
const CONSUMER_OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['queueName', 'connection'],
  properties: {
    queueName: { type: 'string', minLength: 1 },
    connection: { type: 'object' },
    lockDurationMs: { type: 'number', exclusiveMinimum: 0, maximum: MAX_TIMER_MS, default: 30_000 },
    prefix: { type: 'string', minLength: 1 },
    unsubscribeTimeoutMs: { type: 'number', minimum: 0, maximum: MAX_TIMER_MS },
    logger: {},
    keyOf: {},
    weightOf: {},
  },
} as const;

let checkSchema: OptionsCheck | undefined;

function checkConsumerOptions(options: ConsumeBullMQOptions): ConsumerSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `Expected consumeBullMQ() options to be an object, got ${describeValue(options)}`,
    );
  }
  // Compiled with the first consumer: ajv loads only for programs that use one.
  checkSchema ??= compileOptionsSchema(CONSUMER_OPTIONS_SCHEMA);
  const problems: ConfigProblem[] = checkSchema(options);
  const { queueName, connection } = options;
  if (typeof queueName === 'string' && queueName.includes(':')) {
    problems.push({
      path: 'queueName',
      message: `must not contain ':' (BullMQ's key separator), got ${describeValue(queueName)}`,
      value: queueName,
    });
  }
  let redis: RedisOptions | undefined;
  if (connection !== null && typeof connection === 'object') {
    if ('url' in connection) {
      try {
        redis = fromUrl(connection.url);
      } catch (error) {
        problems.push({
          path: 'connection.url',
          message: (error as Error).message,
          value: connection.url,
        });
      }
    } else redis = connection;
  }
  if (options.logger !== undefined && typeof options.logger?.child !== 'function') {
    problems.push({
      path: 'logger',
      message: `must be a pino logger, got ${describeValue(options.logger)}`,
    });
  }
  for (const name of ['keyOf', 'weightOf'] as const) {
    const fn = options[name];
    if (fn !== undefined && typeof fn !== 'function') {
      problems.push({ path: name, message: `must be a function, got ${describeValue(fn)}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, 'consumeBullMQ');
  return {
    queueName,
    connection: redis as RedisOptions,
    lockDurationMs:
      options.lockDurationMs ?? CONSUMER_OPTIONS_SCHEMA.properties.lockDurationMs.default,
    prefix: options.prefix,
    unsubscribeTimeoutMs: options.unsubscribeTimeoutMs,
    logger: options.logger,
    keyOf: options.keyOf,
    weightOf: options.weightOf,
  };
}

/** ioredis options from a `redis://` or `rediss://` URL. */
export function fromUrl(url: unknown): RedisOptions {
  if (typeof url !== 'string') throw new Error(`must be a redis:// URL, got ${describeValue(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`must be a redis:// URL, got ${describeValue(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`must be a redis:// or rediss:// URL, got ${describeValue(url)}`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) {
    throw new Error(
      `must name a database by number (redis://host:port/0), got ${describeValue(url)}`,
    );
  }
  // ioredis parses the URL itself (auth, database, TLS, query options such as ?family=6): the
  // options are read from a client that never connects, so they mean what ioredis means.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded here
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const client = new Redis(url, { lazyConnect: true });
  client.disconnect();
  const parsedOptions: Record<string, unknown> = {};
  for (const key of URL_OPTION_KEYS) {
    const value = client.options[key];
    if (value !== undefined && value !== null) parsedOptions[key] = value;
  }
  return parsedOptions as RedisOptions;
}

/** What a redis:// URL can set; the rest of a client's options are ioredis's defaults. */
const URL_OPTION_KEYS = [
  'host',
  'port',
  'username',
  'password',
  'db',
  'tls',
  'family',
  'path',
] as const;
