import { getHeapStatistics } from 'node:v8';
import {
  EMPTY,
  defer,
  finalize,
  interval,
  map,
  share,
  takeUntil,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import type { PoolMetrics } from '../metrics/pool-metrics';
import { SystemSampler } from '../metrics/system-sampler';
import {
  PidusageSource,
  ZERO_USAGE,
  type ProcessUsage,
  type UsageSource,
} from '../scaling/usage-source';
import type { HandlerLifecycle } from './handler-lifecycle';
import type { PoolEngine } from './pool-engine';

/** What {@link PoolSampling} reads from the pool. */
export interface SamplingConfig<I, O> {
  engine: PoolEngine<I, O>;
  metrics: MetricsRecorder;
  scheduler: SchedulerLike;
  /** The concurrency limit in force. */
  limit: () => number;
  lifecycle: HandlerLifecycle | undefined;
  /** A usage source the caller gave (theirs to close), if any. */
  usageSource: UsageSource | undefined;
  intervalMs: number;
  diskPath: string | undefined;
}

/**
 * Metrics snapshots and process sampling: `metrics()`, `metrics$` and the usage source the
 * autoscaler reads. Process sampling (a pidusage call per tick) runs only while someone
 * watches `metrics$`, and a usage source is made only when first needed.
 */
export class PoolSampling<I, O> {
  #sampler: SystemSampler | undefined;
  #usageSource: UsageSource | undefined;
  #closed = false;

  constructor(private readonly config: SamplingConfig<I, O>) {}

  /** The usage source: the one given, else a pidusage source made on first use. */
  usage(): UsageSource {
    this.#usageSource ??= this.config.usageSource ?? new PidusageSource();
    return this.#usageSource;
  }

  /** `metrics$`: a snapshot per interval while subscribed, ending when `closed$` emits. */
  stream(closed$: Observable<void>): Observable<PoolMetrics> {
    const { intervalMs, scheduler } = this.config;
    return defer(() => {
      // Subscribed after shutdown: complete at once rather than start a timer nobody stops.
      if (this.#closed) return EMPTY;
      this.#systemSampler().start();
      return interval(intervalMs, scheduler).pipe(
        map(() => this.snapshot(true)),
        finalize(() => this.#sampler?.stop()),
      );
    }).pipe(takeUntil(closed$), share());
  }

  /** A snapshot; `advance` starts a new window for the per-interval figures. */
  snapshot(advance: boolean): PoolMetrics {
    const { engine, metrics, scheduler, lifecycle } = this.config;
    const snapshot = metrics.snapshot(
      {
        active: engine.active,
        abandoned: engine.abandonedRunning,
        queuedByPriority: engine.queuedByPriority(),
        concurrency: this.config.limit(),
        system: this.#systemUsage(),
      },
      scheduler.now(),
      { advance },
    );
    const threads = lifecycle?.threadMetrics?.();
    if (threads !== undefined) snapshot.threads = threads;
    const keys = engine.channel.keyMetrics();
    if (keys !== undefined) snapshot.keys = keys;
    return snapshot;
  }

  /** Stops sampling and closes the usage source if the pool made it. */
  close(): void {
    this.#closed = true;
    this.#sampler?.stop();
    // Only a source the pool made is the pool's to close.
    if (this.#usageSource !== this.config.usageSource) {
      (this.#usageSource as { close?: () => void } | undefined)?.close?.();
    }
  }

  #systemSampler(): SystemSampler {
    const { intervalMs, scheduler, diskPath } = this.config;
    this.#sampler ??= new SystemSampler(this.usage(), intervalMs, scheduler, { diskPath });
    return this.#sampler;
  }

  #systemUsage(): ProcessUsage {
    const latest = this.#sampler?.latest ?? ZERO_USAGE;
    return { ...latest, rssBytes: freshRss(), heapUsedBytes: getHeapStatistics().used_heap_size };
  }
}

// RSS costs a system call: a reading younger than this is reused.
const RSS_MAX_AGE_MS = 100;
let rssReading = { bytes: 0, at: -Infinity };
function freshRss(): number {
  const now = performance.now();
  if (now - rssReading.at >= RSS_MAX_AGE_MS)
    rssReading = { bytes: process.memoryUsage.rss(), at: now };
  return rssReading.bytes;
}
