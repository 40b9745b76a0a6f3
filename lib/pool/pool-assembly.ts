import { Subject, asyncScheduler, isObservable, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { KeyedChannel } from '../channel/keyed-channel';
import { createLogger } from '../logging/logger';
import { MetricsRecorder } from '../metrics/metrics-recorder';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import { TokenBucket } from '../resilience/token-bucket';
import { DEFAULT_RETRY, resolveRetry } from '../retry/retry-policy';
import type { TaskResult } from '../task/task';
import { resolveConcurrency } from './check-options';
import { ConcurrencyControl } from './concurrency-control';
import { dispatchGate } from './dispatch-gate';
import { handlerLifecycle } from './handler-lifecycle';
import type { WorkerPoolOptions } from './options';
import { PoolEngine } from './pool-engine';
import { EVENT_KIND } from './pool-events';
import { PoolSampling } from './pool-sampling';
import { ShutdownOrchestrator } from './shutdown-orchestrator';
import { TaskIntake, finiteMs } from './task-intake';
import { DEFAULTS } from '../config/defaults';
import { batchSettings } from '../task/batch-handler';

/** The parts of a pool, wired together; `WorkerPool` delegates to them. */
export interface PoolParts<I, O> {
  engine: PoolEngine<I, O>;
  logger: Logger;
  intake: TaskIntake<I, O>;
  concurrency: ConcurrencyControl<I, O>;
  sampling: PoolSampling<I, O>;
  shutdown: ShutdownOrchestrator<I, O>;
  breaker: CircuitBreaker | undefined;
  results$: Observable<TaskResult<I, O>>;
  /** Emits once at teardown: `metrics$` ends with it. */
  closed$: Subject<void>;
}

/** What the parts report back to the pool's face. */
export interface PoolHost {
  /** Kept current by the dispatch gate (`pool.isRateLimited`). */
  rateLimited: boolean;
  /** Set by the face when it installs signal handlers; teardown removes them. */
  removeSignalHandlers?: () => void;
}

/**
 * Builds and wires the parts of a pool from checked options: the engine, task intake,
 * concurrency control, sampling and shutdown orchestration. One place that knows the order
 * in which they depend on each other.
 */
export function assemblePool<I, O>(
  options: WorkerPoolOptions<I, O>,
  host: PoolHost,
): PoolParts<I, O> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const logger = options.logger ?? createLogger(options.logging);
  const epoch = scheduler.now();
  const metrics = new MetricsRecorder({ startedAt: epoch });

  // A handler that owns threads (or another executor) caps every limit the pool can reach.
  const lifecycle = handlerLifecycle(options.handler);
  const ceiling =
    lifecycle?.maxConcurrency !== undefined
      ? { max: lifecycle.maxConcurrency, name: lifecycle.maxConcurrencyName ?? 'maxConcurrency' }
      : undefined;
  const resolved = resolveConcurrency(options.concurrency, ceiling);

  const bucket = options.rateLimit
    ? new TokenBucket(options.rateLimit, scheduler, 'rateLimit')
    : undefined;
  const breaker = options.circuitBreaker
    ? new CircuitBreaker(options.circuitBreaker, scheduler)
    : undefined;
  // A batch handler's tasks are taken in batches; their weights are shares of a batch.
  const batch = batchSettings<I, O>(options.handler);
  const engine = new PoolEngine<I, O>({
    // Tasks carry their own queuedAt (set on acceptance and on requeue): one clock read fewer.
    // Fair turns between keys and weights; a pool whose tasks have neither pays next to
    // nothing for them (bench/RESULTS.md, K0).
    waiting: (clock) =>
      new KeyedChannel(options.queue ?? {}, options.keys ?? {}, scheduler, {
        clock,
        stamp: false,
        keyItems: batch !== undefined,
      }),
    epoch,
    abortGraceMs: options.abortGraceMs ?? DEFAULTS.abortGraceMs,
    scheduler,
    logger,
    metrics,
    gate: dispatchGate(bucket, breaker, (limited) => onRateLimit(limited)),
    breaker,
    batch: batch && options.handler && { handler: options.handler, settings: batch },
  });
  const intake = new TaskIntake<I, O>(
    engine,
    {
      handler: options.handler,
      timeoutMs: finiteMs(options.timeoutMs),
      retry: resolveRetry(DEFAULT_RETRY, options.retry),
      signal: undefined,
      epoch,
      group: undefined,
      logger,
    },
    options.retry,
    () =>
      batch === undefined
        ? weightCeiling(options.concurrency, resolved.max, concurrency.limit)
        : { max: batch.maxSize, name: 'maxSize of the batch handler' },
  );
  const results$ = engine.results.asObservable();

  const sampling = new PoolSampling<I, O>({
    engine,
    metrics,
    scheduler,
    limit: () => concurrency.limit,
    lifecycle,
    usageSource: options.metrics?.usageSource ?? resolved.autoscale?.usageSource,
    intervalMs: options.metrics?.intervalMs ?? DEFAULTS.metricsIntervalMs,
    diskPath: options.metrics?.diskPath,
  });
  const concurrency: ConcurrencyControl<I, O> = new ConcurrencyControl<I, O>({
    resolved,
    ceiling,
    engine,
    metrics,
    logger,
    scheduler,
    breakerState$: breaker?.state$,
    usage: () => sampling.usage(),
    results$,
  });
  const closed$ = new Subject<void>();

  const shutdown = new ShutdownOrchestrator<I, O>({
    engine,
    metrics,
    scheduler,
    logger,
    timeoutMs: options.shutdown?.timeoutMs,
    cleanupTimeoutMs: options.shutdown?.cleanupTimeoutMs,
    refuseTasks: () => (intake.closing = true),
    stopIntake: () => {
      concurrency.stopScaling();
      // Producers waiting for room go on (and get PoolClosedError from submit()).
      engine.releaseWaiters();
      intake.releaseSources();
      engine.close();
    },
    unpause: () => concurrency.resume(),
    closeHandler: async () => {
      try {
        await lifecycle?.close?.();
      } catch (error) {
        logger.error({ err: error }, 'closing the handler failed');
      }
    },
    teardown: () => {
      closed$.next();
      closed$.complete();
      engine.dispose();
      engine.releaseWaiters();
      metrics.close();
      breaker?.dispose();
      sampling.close();
      host.removeSignalHandlers?.();
      engine.results.complete();
      engine.events.complete();
      concurrency.dispose();
    },
  });

  lifecycle?.attach?.({ logger });
  const { min, max, initial, autoscale } = resolved;
  logger.info(
    {
      concurrency: initial,
      min,
      max: Number.isFinite(max) ? max : null,
      autoscale: Boolean(autoscale),
    },
    'worker pool started',
  );
  const onRateLimit = (limited: boolean): void => {
    host.rateLimited = limited;
    const type = limited ? 'rate-limited' : 'rate-limit-cleared';
    const kind = EVENT_KIND[type];
    if (engine.events.wants(kind)) engine.events.next({ type }, kind);
  };
  return { engine, logger, intake, concurrency, sampling, shutdown, breaker, results$, closed$ };
}

/**
 * The heaviest weight a task may have: the limit in force for a fixed number (it may change by
 * setConcurrency, not beyond what it is), `concurrency.max` for a range, no ceiling for an
 * Observable limit (any value may come).
 */
function weightCeiling(
  concurrency: WorkerPoolOptions['concurrency'],
  rangeMax: number,
  limitInForce: number,
): { max: number; name: string } {
  if (isObservable(concurrency)) return { max: Infinity, name: 'concurrency' };
  if (typeof concurrency === 'object') return { max: rangeMax, name: 'concurrency.max' };
  return { max: limitInForce, name: 'concurrency' };
}
