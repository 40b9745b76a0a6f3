import { availableParallelism } from 'node:os';
import { isObservable, type Observable } from 'rxjs';
import { isBackoff } from '../backoff/backoff-from';
import { unknownNameMessage } from '../options/closest-name';
import { validateOptionsData } from '../config/validate';
import { ConfigError } from '../errors/config-error';
import type { UsageSource } from '../scaling/usage-source';
import { describeValue } from '../options/describe-value';
import type { PoolConfig } from '../config/schema';
import type { Handler } from '../task/task';
import type { ConcurrencyRange, WorkerPoolOptions } from './options';
import { DEFAULTS } from '../config/defaults';

/* Checking and resolving what the WorkerPool constructor and its per-task calls are given. */

export const TASK_OPTION_KEYS: readonly string[] = [
  'id',
  'priority',
  'timeoutMs',
  'retry',
  'signal',
  'key',
  'weight',
];
export const PROCESS_OPTION_KEYS: readonly string[] = [
  'priority',
  'timeoutMs',
  'retry',
  'signal',
  'key',
  'weight',
];
const RETRY_OPTION_KEYS: readonly string[] = ['maxAttempts', 'backoff', 'retryIf'];

/**
 * Per-task options are checked like pool options, for plain JavaScript callers: a typo
 * (`priorty`) must not be ignored silently.
 */
export function checkTaskOptionKeys(options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  for (const key in options) checkKnown(key, known, '');
  const retry = (options as { retry?: unknown }).retry;
  if (retry === undefined) return;
  if (retry === null || typeof retry !== 'object') {
    throw new TypeError(`Expected \`retry\` to be an object, got ${describeValue(retry)}`);
  }
  for (const key in retry) checkKnown(key, RETRY_OPTION_KEYS, 'retry.');
}

function checkKnown(key: string, known: readonly string[], prefix: string): void {
  if (known.includes(key)) return;
  throw new TypeError(
    `\`${prefix}${key}\`: ${unknownNameMessage(key, known, { prefix })}; expected one of ${known.join(', ')}`,
  );
}

export interface ResolvedConcurrency {
  min: number;
  max: number;
  initial: number;
  source$: Observable<number> | undefined;
  autoscale: Exclude<ConcurrencyRange['autoscale'], boolean | undefined> | undefined;
}

/** The most attempts a resource-owning handler can run at once, and what its option is called. */
export interface ConcurrencyCeiling {
  max: number;
  name: string;
}

export function resolveConcurrency(
  concurrency: WorkerPoolOptions['concurrency'],
  ceiling?: ConcurrencyCeiling,
): ResolvedConcurrency {
  const top = ceiling?.max ?? Infinity;
  if (concurrency === undefined) {
    // A handler with its own limit (threads) starts using all of it.
    const initial = ceiling ? top : DEFAULTS.concurrency;
    return {
      min: DEFAULTS.minConcurrency,
      max: top,
      initial,
      source$: undefined,
      autoscale: undefined,
    };
  }
  if (typeof concurrency === 'number') {
    overCeiling(concurrency, 'concurrency', ceiling);
    return { min: 1, max: top, initial: concurrency, source$: undefined, autoscale: undefined };
  }
  if (isObservable(concurrency)) {
    // The limit is 1 until the stream gives its first value.
    return { min: 1, max: top, initial: 1, source$: concurrency, autoscale: undefined };
  }
  const min = concurrency.min ?? DEFAULTS.minConcurrency;
  const initial = concurrency.initial ?? min;
  overCeiling(concurrency.max, 'concurrency.max', ceiling);
  overCeiling(min, 'concurrency.min', ceiling);
  overCeiling(initial, 'concurrency.initial', ceiling);
  // min <= initial <= max when max is given was checked by the schema; a defaulted max is
  // at least both (and at most the handler's ceiling).
  const max = concurrency.max ?? Math.min(top, Math.max(initial, min, availableParallelism() * 4));
  const autoscale = concurrency.autoscale === true ? {} : concurrency.autoscale || undefined;
  return { min, max, initial, source$: undefined, autoscale };
}

/** A limit above what the handler can run at once is a ConfigError naming both values. */
function overCeiling(
  value: number | undefined,
  path: string,
  ceiling: ConcurrencyCeiling | undefined,
): void {
  if (ceiling === undefined || value === undefined || value <= ceiling.max) return;
  throw new ConfigError(
    [
      {
        path,
        message: `must be at most the handler's ${ceiling.name} (${ceiling.max}), got ${describeValue(value)}`,
        value,
      },
    ],
    'options',
  );
}

/** Validates the plain-data options through the config schema, the rest by hand. */
export function checkOptions<I, O>(options: WorkerPoolOptions<I, O>): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const problems: { path: string; message: string; value?: unknown }[] = [];
  const fn = (value: unknown, path: string): void => {
    if (value !== undefined && typeof value !== 'function') {
      problems.push({ path, message: `must be a function, got ${describeValue(value)}`, value });
    }
  };
  fn(options.handler, 'handler');
  fn(options.retry?.retryIf, 'retry.retryIf');
  if (options.logger !== undefined && typeof options.logger?.child !== 'function') {
    problems.push({
      path: 'logger',
      message: `must be a pino logger, got ${describeValue(options.logger)}`,
      value: options.logger,
    });
  }
  if (options.scheduler !== undefined && typeof options.scheduler?.schedule !== 'function') {
    problems.push({
      path: 'scheduler',
      message: `must be an RxJS SchedulerLike, got ${describeValue(options.scheduler)}`,
    });
  }
  // Everything that can be plain data goes through the one schema, so messages match loadConfig's.
  const data: Record<string, unknown> = { ...options };
  delete data.handler;
  delete data.logger;
  delete data.scheduler;
  const checkUsageSource = (source: UsageSource | undefined, path: string): void => {
    if (source !== undefined && typeof source?.sample !== 'function') {
      problems.push({ path, message: `must have a sample() method, got ${describeValue(source)}` });
    }
  };
  if (options.metrics && typeof options.metrics === 'object') {
    const { usageSource, ...metrics } = options.metrics;
    data.metrics = metrics;
    checkUsageSource(usageSource, 'metrics.usageSource');
  }
  if (isObservable(options.concurrency)) delete data.concurrency;
  else if (options.concurrency && typeof options.concurrency === 'object') {
    const { autoscale, ...range } = options.concurrency;
    if (autoscale && typeof autoscale === 'object') {
      const { policy, usageSource, ...scale } = autoscale;
      data.concurrency = {
        ...range,
        autoscale: typeof policy === 'string' ? { ...scale, policy } : scale,
      };
      checkUsageSource(usageSource, 'concurrency.autoscale.usageSource');
    } else if (autoscale === true || autoscale === false) {
      data.concurrency = range;
    }
  }
  const limits = options.keys?.limits;
  if (limits && typeof limits === 'object') {
    // Infinity (no limit for that key) is not JSON: the schema sees the key unset.
    const finite = Object.entries(limits).filter(([, limit]) => limit !== Infinity);
    data.keys = { ...options.keys, limits: Object.fromEntries(finite) };
  }
  if (options.retry && typeof options.retry === 'object') {
    const { retryIf: _retryIf, backoff, ...retry } = options.retry;
    // A Backoff object is code, not data; a BackoffConfig goes through the schema.
    data.retry = backoff === undefined || isBackoff(backoff) ? retry : { ...retry, backoff };
  }
  try {
    validateOptionsData(data, 'options');
  } catch (error) {
    if (error instanceof ConfigError) problems.push(...error.problems);
    else throw error;
  }
  if (problems.length > 0) throw new ConfigError(problems, 'options');
}

/**
 * `WorkerPool.fromConfig()`: a `PoolConfig` as pool options. The config's
 * `shutdown.handleSignals` (or a top-level `handleSignals`) becomes `handleSignals`.
 */
export function optionsFromConfig<I, O>(
  config: PoolConfig,
  handler: Handler<I, O> | undefined,
): WorkerPoolOptions<I, O> {
  const { handleSignals, shutdown, ...rest } = config as PoolConfig & {
    handleSignals?: boolean;
    shutdown?: { timeoutMs?: number; cleanupTimeoutMs?: number; handleSignals?: boolean };
  };
  const { handleSignals: shutdownSignals, ...shutdownRest } = shutdown ?? {};
  const options = {
    ...rest,
    ...(shutdown ? { shutdown: shutdownRest } : {}),
    handleSignals: Boolean(handleSignals ?? shutdownSignals ?? false),
    handler,
  } as WorkerPoolOptions<I, O>;
  return options;
}
