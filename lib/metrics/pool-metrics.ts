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
  /** Present when the handler runs on worker threads (`rxjs-worker-pool/threads`). */
  threads?: ThreadsMetrics;
  /** Present once a task had a `key`: the keys with work now, and the busiest. */
  keys?: KeysMetrics;
  /** Present when the handler is a `batchHandler`: its calls and their sizes. */
  batches?: BatchMetrics;
}

/**
 * One key's share of the queue and of the running slots, as `metrics().keys.top` lists it.
 *
 * ## Example
 * ```ts
 * import type { KeyStats } from 'rxjs-worker-pool';
 * const busiest: KeyStats | undefined = pool.metrics().keys?.top[0];
 * if (busiest) console.log(`${busiest.key}: ${busiest.queued} queued, ${busiest.running} running`);
 * ```
 */
export interface KeyStats {
  readonly key: string;
  /** Its tasks waiting now. */
  readonly queued: number;
  /** Its attempts running now. */
  readonly running: number;
  /** Its tasks that succeeded, and failed, since it last had no work. */
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * The keys of a pool: `count` keys have queued or running work now; `top` lists the
 * `keys.maxTracked` with the most, busiest first.
 *
 * ## Example
 * ```ts
 * import type { KeysMetrics } from 'rxjs-worker-pool';
 * const keys: KeysMetrics | undefined = pool.metrics().keys;
 * console.log(`${keys?.count ?? 0} tenants have work; busiest: ${keys?.top[0]?.key}`);
 * ```
 */
export interface KeysMetrics {
  readonly count: number;
  readonly top: readonly KeyStats[];
  /** Summed over the keys with work that are not in `top` (Prometheus' `key="other"`). */
  readonly others: { readonly queued: number; readonly running: number };
}

/**
 * One worker thread in `metrics().threads.perThread`.
 *
 * ## Example
 * ```ts
 * import type { ThreadMetrics } from 'rxjs-worker-pool';
 * const busiest: ThreadMetrics[] = [...(pool.metrics().threads?.perThread ?? [])]
 *   .sort((a, b) => b.completed - a.completed);
 * ```
 */
export interface ThreadMetrics {
  /** The thread's `threadId` (from `node:worker_threads`). */
  threadId: number;
  /** `'starting'` until its module has loaded, then `'idle'` or `'busy'` (running an attempt). */
  state: 'starting' | 'idle' | 'busy';
  /** Attempts that returned on this thread. */
  completed: number;
  /** Attempts that threw, or died with the thread, on this thread. */
  failed: number;
}

/**
 * The worker threads of a pool whose handler runs on threads.
 *
 * ## Example
 * ```ts
 * const threads = pool.metrics().threads;
 * if (threads) console.log(`${threads.busy}/${threads.count} busy (${threads.utilization * 100}%)`);
 * ```
 */
export interface ThreadsMetrics {
  /** Threads alive now, starting ones included; 0 after shutdown. */
  count: number;
  /** Threads running an attempt now. */
  busy: number;
  /** busy / count at the snapshot, 0..1 (0 with no thread). */
  utilization: number;
  perThread: ThreadMetrics[];
}

/**
 * The calls of a pool whose handler is a `batchHandler`.
 *
 * ## Example
 * ```ts
 * const batches = pool.metrics().batches;
 * if (batches) console.log(`${batches.items} items in ${batches.count} calls, p50 ${batches.size.p50}`);
 * ```
 */
export interface BatchMetrics {
  /** Batch calls started. */
  count: number;
  /** Items across those calls (a retried item counts again). */
  items: number;
  /** Items per call. */
  size: { p50: number; p99: number; max: number };
}
