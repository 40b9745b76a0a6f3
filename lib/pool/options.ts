import type { Observable, SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Handler } from '../task/task';
import type { RetryOptions } from '../retry/retry-options';
import type { QueueOptions } from '../channel/priority-channel';
import type { CircuitBreakerOptions } from '../resilience/circuit-breaker';
import type { RateLimitOptions } from '../resilience/token-bucket';
import type { AutoscaleOptions } from '../scaling/autoscale-options';
import type { UsageSource } from '../scaling/usage-source';
import type { KeysOptions } from '../channel/keys-options';

/**
 * A concurrency range; with `autoscale`, a scaler moves the limit within it.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type ConcurrencyRange } from 'rxjs-worker-pool';
 * const concurrency: ConcurrencyRange = { min: 2, max: 16, initial: 4, autoscale: true };
 * const pool = new WorkerPool({ handler, concurrency });
 * pool.setConcurrency(8); // pins the limit until pool.resumeAutoscale()
 * ```
 */
export interface ConcurrencyRange {
  /** Lowest limit. Defaults to 1. */
  min?: number;
  /** Highest limit. Defaults to `max(initial, min, number of CPUs × 4)`. */
  max?: number;
  /** Starting limit. Defaults to `min`. */
  initial?: number;
  /** Starts a scaler (policy `'resource'` by default); `true` takes every default. */
  autoscale?: AutoscaleOptions | boolean;
}

/**
 * Options of the `WorkerPool` constructor. Every key but `handler` is optional.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type WorkerPoolOptions } from 'rxjs-worker-pool';
 * const options: WorkerPoolOptions<string, number> = {
 *   handler: async (url, { signal }) => (await fetch(url, { signal })).status,
 *   concurrency: { min: 2, max: 32, autoscale: true },
 *   queue: { capacity: 10_000, overflow: 'drop-lowest', agingMs: 5_000 },
 *   timeoutMs: 10_000,
 *   retry: { maxAttempts: 5, backoff: { strategy: 'linear', initialMs: 200, maxMs: 2_000 } },
 *   shutdown: { timeoutMs: 30_000 },
 * };
 * const pool = new WorkerPool(options);
 * ```
 */
export interface WorkerPoolOptions<I = unknown, O = unknown> {
  /** Runs each submitted input. Needed for `submit()` and `process()`, not for `run()`. */
  handler?: Handler<I, O>;
  /** A fixed initial limit (>= 1), an `Observable` of limits, or a range. Defaults to 1. */
  concurrency?: number | Observable<number> | ConcurrencyRange;
  /** The waiting-task queue. Defaults to unbounded, `'reject'`, no aging. */
  queue?: QueueOptions;
  /** Per-attempt timeout in ms. Defaults to none. */
  timeoutMs?: number;
  /**
   * How long an aborted attempt (timeout, cancel, shutdown) keeps its slot while its handler
   * settles, in ms; past it the pool frees the slot and marks the result `abandoned`.
   * Defaults to 1000.
   */
  abortGraceMs?: number;
  /** Retry policy. Defaults to 3 attempts, exponential backoff with full jitter. */
  retry?: Partial<RetryOptions>;
  /** Throttles dispatch: at most `limit` task starts per `intervalMs`. Defaults to none. */
  rateLimit?: RateLimitOptions;
  /**
   * Fair turns and limits per key, for tasks submitted with a `key`: within a priority, keys
   * take turns round-robin, and a key at its limit is skipped. Defaults to no per-key limit.
   */
  keys?: KeysOptions;
  /** While open, dispatch pauses (tasks stay queued). Defaults to none. */
  circuitBreaker?: CircuitBreakerOptions;
  /**
   * Metrics snapshots on `metrics$`: every `intervalMs` (defaults to 1000); process CPU and
   * event-loop delay come from `usageSource` (defaults to pidusage), sampled only while
   * `metrics$` is subscribed.
   */
  metrics?: {
    intervalMs?: number;
    usageSource?: UsageSource;
    /** Also report the free bytes of the file system holding this path. Defaults to none. */
    diskPath?: string;
    /** `health()` is degraded at this many waiting tasks (up to 1: a fraction of capacity). Defaults to 0.8. */
    queueHighWater?: number;
    /** `health()` is degraded above this event-loop delay p99, in ms. Defaults to 200. */
    maxEventLoopDelayMs?: number;
  };
  /** A pino logger. Defaults to one built from `logging`. */
  logger?: Logger;
  /** Used when no `logger` is given. Defaults to level `'warn'`, JSON lines on stderr (never stdout). */
  logging?: {
    level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    pretty?: boolean;
  };
  /** Deadline of a signal-started shutdown and of `shutdown()` without one, in ms. */
  shutdown?: { timeoutMs?: number; cleanupTimeoutMs?: number };
  /** SIGINT/SIGTERM (or the listed signals) start a shutdown, then exit. Defaults to false. */
  handleSignals?: boolean | NodeJS.Signals[];
  /** Every timer of the pool runs on it. Defaults to `asyncScheduler`. */
  scheduler?: SchedulerLike;
}
