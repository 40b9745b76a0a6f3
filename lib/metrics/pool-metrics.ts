import type { PriorityName } from '../task/priority';
import type { ProcessUsage } from '../scaling/usage-source';

/**
 * Percentiles of a latency, in milliseconds, cumulative over the pool's life.
 *
 * ## Example
 * ```ts
 * import type { LatencySummary } from 'rxjs-worker-pool';
 * const wait: LatencySummary = pool.metrics().latency.waitMs;
 * console.log(`p99 wait ${wait.p99} ms`);
 * ```
 */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  /** The largest value recorded (exact, not bucketed). */
  max: number;
}

/**
 * Queue wait and run time of tasks, each as a {@link LatencySummary}.
 *
 * ## Example
 * ```ts
 * import type { LatencyPair } from 'rxjs-worker-pool';
 * const high: LatencyPair = pool.metrics().latencyByPriority.high;
 * console.log(high.waitMs.p50, high.runMs.p50);
 * ```
 */
export interface LatencyPair {
  /** Time spent queued (retry backoff excluded). */
  waitMs: LatencySummary;
  /** Run time of all attempts. */
  runMs: LatencySummary;
}

/**
 * Waiting tasks per priority level.
 *
 * ## Example
 * ```ts
 * import type { QueuedByPriority } from 'rxjs-worker-pool';
 * const { critical, high, normal, low }: QueuedByPriority = pool.metrics().queuedByPriority;
 * ```
 */
export interface QueuedByPriority {
  critical: number;
  high: number;
  normal: number;
  low: number;
}

/**
 * A snapshot of the pool: cumulative counters, live gauges, throughput over the last interval,
 * latency percentiles (cumulative) and what the process uses.
 *
 * ## Example
 * ```ts
 * import { formatMetrics, type PoolMetrics } from 'rxjs-worker-pool';
 * pool.metrics$.subscribe((m: PoolMetrics) => console.log(formatMetrics(m)));
 * ```
 */
export interface PoolMetrics {
  /** Tasks submitted, those then rejected included. */
  submitted: number;
  /** Handler attempts started (retries included). */
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  rejected: number;
  /** Attempts that were retries (not a task's first attempt). */
  retries: number;
  /** Attempts that timed out. */
  timeouts: number;
  /** Handler attempts holding a slot now. */
  active: number;
  /** Handlers given up on after their abort grace: no longer holding a slot, maybe still running. */
  abandoned: number;
  /** Tasks waiting, all priorities. */
  queued: number;
  queuedByPriority: QueuedByPriority;
  /** The concurrency limit in force. */
  concurrency: number;
  /** How many times the limit changed. */
  concurrencyChanges: number;
  /** Tasks completed (succeeded + failed) per second over the last interval. */
  throughputPerSec: number;
  /** All priorities together. */
  latency: LatencyPair;
  latencyByPriority: Record<PriorityName, LatencyPair>;
  /** The newest process usage reading (zeros before the first). */
  system: ProcessUsage;
  /** When the snapshot was taken, in the pool scheduler's milliseconds. */
  timestamp: number;
}
