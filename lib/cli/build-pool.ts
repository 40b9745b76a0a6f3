import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { WorkerPool, loadConfig, type Handler, type PoolConfig } from '../index';
import { jsonBatch, jsonResults } from './json-results';
import { loadHandler } from './load-handler';
import { startTracing, type CliTracing } from './trace-export';
import { UsageError } from './usage-error';

/* The pool `run` and `worker` share: its config from flags, file and environment, its handler. */

/** Flags of `run` (and, for the pool part, of `worker`). */
export interface PoolFlags {
  handler: string;
  config?: string;
  concurrency?: number;
  threads?: boolean;
  /** Call the handler with up to this many inputs at once (`batchHandler`). */
  batch?: number;
  /** With `batch`: how long a batch with room left waits for more, in ms. */
  batchWait?: number;
  quiet?: boolean;
  /** Export task and attempt spans through the OpenTelemetry SDK (`OTEL_*` variables). */
  trace?: boolean;
}

/** The pool a command runs: the config (flags over --config over WORKER_POOL_*) and a handler. */
export async function buildPool(
  flags: PoolFlags,
  command: string,
): Promise<{ pool: WorkerPool<unknown, unknown>; config: PoolConfig; tracing?: CliTracing }> {
  // A task runner's default is one task per CPU core (GNU parallel's), not the pool's 1.
  const overrides =
    flags.concurrency !== undefined
      ? { concurrency: flags.concurrency }
      : !flags.threads && !concurrencyGiven(flags)
        ? { concurrency: availableParallelism() }
        : undefined;
  const config = loadConfig({ file: flags.config, precedence: 'file', overrides });
  // Only with --trace, and first: a missing SDK is a usage error before anything starts.
  const tracing = flags.trace ? startTracing(command) : undefined;
  if (flags.batchWait !== undefined && flags.batch === undefined) {
    throw new UsageError('--batch-wait needs --batch N');
  }
  const batch =
    flags.batch === undefined
      ? undefined
      : { maxSize: flags.batch, maxWaitMs: flags.batchWait ?? 0 };
  const loaded = await loadHandler(flags.handler);
  // Results are written as JSON (a result line, a job's value in Redis).
  let handler: Handler<unknown, unknown> =
    batch === undefined ? jsonResults(loaded.fn) : jsonBatch(loaded.fn, batch);
  const options = { ...config, handleSignals: false } as PoolConfig & { handleSignals: boolean };
  if (flags.threads) {
    // Loaded here, not at the top: `run` without --threads starts no thread machinery.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
    const { threadHandler } = require('../threads') as typeof import('../threads');
    const given = concurrencyGiven(flags);
    const limit = config.concurrency;
    const max = !given
      ? availableParallelism()
      : typeof limit === 'number'
        ? limit
        : (limit.max ?? availableParallelism());
    // Results are JSON-checked by the result line writer (a thread handler keeps its batches).
    handler = threadHandler({
      filename: loaded.file,
      name: loaded.exportName,
      threads: { max },
      ...(batch === undefined ? {} : { batch }),
    });
    if (batch === undefined) handler = jsonResults(handler);
    // Unset: the pool runs as many attempts as there are threads.
    if (!given) delete (options as { concurrency?: unknown }).concurrency;
  }
  const pool = WorkerPool.fromConfig(options, handler);
  if (tracing === undefined) return { pool, config };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  const { withTracing } = require('../tracing') as typeof import('../tracing');
  return { pool: withTracing(pool, { tracer: tracing.tracer }), config, tracing };
}

/** Whether any source set the concurrency (the schema's default of 1 would hide it). */
function concurrencyGiven(flags: PoolFlags): boolean {
  if (flags.concurrency !== undefined) return true;
  if (Object.keys(process.env).some((key) => key.startsWith('WORKER_POOL_CONCURRENCY')))
    return true;
  if (flags.config === undefined) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- yaml parses JSON too
  const YAML = require('yaml') as typeof import('yaml');
  const data = YAML.parse(readFileSync(flags.config, 'utf8')) as { concurrency?: unknown } | null;
  return data?.concurrency !== undefined;
}
