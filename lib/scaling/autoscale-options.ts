import type { ScalingPolicy } from './scaling-policy';
import type { UsageSource } from './usage-source';

/**
 * Options of the autoscaler (`concurrency: { autoscale }`).
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type AutoscaleOptions } from 'rxjs-worker-pool';
 * const autoscale: AutoscaleOptions = {
 *   policy: 'resource',
 *   intervalMs: 2_000,
 *   targetCpuPercent: 60,
 *   maxRssBytes: 512 * 1024 ** 2,
 * };
 * const pool = new WorkerPool({ handler, concurrency: { min: 2, max: 64, autoscale } });
 * ```
 */
export interface AutoscaleOptions {
  /** `'resource'` (CPU/RSS), `'latency'` (adaptive limit), a custom policy, or several (lowest wins). Defaults to `'resource'`. */
  policy?: 'resource' | 'latency' | ScalingPolicy | ('resource' | 'latency' | ScalingPolicy)[];
  /** Tick interval in ms. Defaults to 1000. */
  intervalMs?: number;
  /** Resource policy: grow while process CPU is below this percent. Defaults to 75. */
  targetCpuPercent?: number;
  /** Resource policy: shrink while RSS is above this many bytes. Defaults to no bound. */
  maxRssBytes?: number;
  /** Resource policy: shrink while event-loop delay p99 is above this, in ms. Defaults to 100. */
  maxEventLoopDelayMs?: number;
  /** Minimum time between two changes, in ms. Defaults to `intervalMs`. */
  cooldownMs?: number;
  /** Resource policy: how much one change moves the limit. Defaults to 1. */
  step?: number;
  /** Where process usage comes from. Defaults to pidusage. */
  usageSource?: UsageSource;
}
