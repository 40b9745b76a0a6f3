import type { ProcessUsage } from './usage-source';

/**
 * What a scaling policy sees at each tick.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type ScalingSignals } from 'rxjs-worker-pool';
 * // One fewer while more than 1 ended attempt in 10 timed out since the previous tick.
 * const next = ({ limit, completed, timeouts, meanRunMs }: ScalingSignals) =>
 *   timeouts * 10 > completed
 *     ? { limit: limit - 1, reason: `${timeouts} of ${completed} timed out` }
 *     : { limit: limit + 1, reason: `mean run ${meanRunMs} ms` };
 * const policy = { name: 'timeouts', next };
 * const pool = new WorkerPool({ handler, concurrency: { max: 16, autoscale: { policy } } });
 * ```
 */
export interface ScalingSignals {
  /** The limit in force. */
  readonly limit: number;
  readonly min: number;
  readonly max: number;
  /** Attempts running now. */
  readonly active: number;
  /** Tasks waiting (backlog). */
  readonly queued: number;
  /** Latest process usage. */
  readonly usage: ProcessUsage;
  /** Attempts that ended since the previous tick, and how. */
  readonly completed: number;
  readonly failed: number;
  readonly timeouts: number;
  /** Mean run time of the attempts that ended since the previous tick, in ms (NaN if none). */
  readonly meanRunMs: number;
  /** Scheduler time of this tick, in ms. */
  readonly now: number;
}

/**
 * A decision: the next limit and why (logged at debug).
 *
 * ## Example
 * ```ts
 * import type { ScalingDecision, ScalingSignals } from 'rxjs-worker-pool';
 * // The scaler rounds the limit and clamps it to min..max.
 * function halveOnErrors({ limit, failed }: ScalingSignals): ScalingDecision {
 *   if (failed > 0) return { limit: limit / 2, reason: `${failed} attempts failed` };
 *   return { limit: limit + 1, reason: 'no errors' };
 * }
 * const autoscale = { policy: { name: 'halve-on-errors', next: halveOnErrors } };
 * ```
 */
export interface ScalingDecision {
  readonly limit: number;
  readonly reason: string;
}

/**
 * Decides the next concurrency limit from the pool's signals. Implement it to plug in your
 * own policy; the scaler clamps the answer to min..max.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type ScalingPolicy } from 'rxjs-worker-pool';
 * const policy: ScalingPolicy = {
 *   name: 'backlog',
 *   next({ limit, queued, active }) {
 *     if (queued > limit) return { limit: limit + 1, reason: `${queued} queued` };
 *     if (active < limit / 2) return { limit: limit - 1, reason: `only ${active} active` };
 *     return { limit, reason: 'steady' };
 *   },
 * };
 * const pool = new WorkerPool({ handler, concurrency: { max: 32, autoscale: { policy } } });
 * ```
 */
export interface ScalingPolicy {
  readonly name: string;
  next(signals: ScalingSignals): ScalingDecision;
}
