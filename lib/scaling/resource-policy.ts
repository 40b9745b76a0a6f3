import { checkNumberOr, type NumberRule } from '../options/check-option';
import type { ScalingDecision, ScalingPolicy, ScalingSignals } from './scaling-policy';

/**
 * Options of {@link ResourcePolicy}.
 *
 * ## Example
 * ```ts
 * import { ResourcePolicy, WorkerPool } from 'rxjs-worker-pool';
 * const policy = new ResourcePolicy({ targetCpuPercent: 60, maxRssBytes: 1.5 * 2 ** 30, step: 2 });
 * new WorkerPool({ handler, concurrency: { min: 1, max: 32, autoscale: { policy } } });
 * ```
 */
export interface ResourcePolicyOptions {
  /** Grow only while process CPU is below this percent; shrink above it. Defaults to 75. */
  targetCpuPercent?: number;
  /** Shrink while RSS is above this many bytes. Defaults to no bound. */
  maxRssBytes?: number;
  /** Shrink while the event-loop delay (p99) is above this, in ms. Defaults to 100. */
  maxEventLoopDelayMs?: number;
  /** How much one change moves the limit. Defaults to 1. */
  step?: number;
}

/** Every bound of the policy: above 0; Infinity means none (the default of `maxRssBytes`). */
const POSITIVE: NumberRule = { min: 0, exclusiveMin: true, infinite: true, expected: 'above 0' };

/**
 * Sets the limit from what the process uses: grows while work waits, every slot is busy and
 * CPU is below target; shrinks when CPU, RSS or event-loop delay is above its bound.
 *
 * The rules, checked in this order at each tick:
 * 1. CPU above `targetCpuPercent`, RSS above `maxRssBytes`, or event-loop delay above
 *    `maxEventLoopDelayMs`: shrink by `step` (every exceeded bound is named in the reason).
 * 2. A backlog (`queued > 0`), saturated slots (`active >= limit`) and CPU below target: grow
 *    by `step`.
 * 3. Otherwise hold.
 *
 * The scaler clamps the answer to min..max and applies its cooldown.
 *
 * ## Example
 * ```ts
 * import { ResourcePolicy, WorkerPool } from 'rxjs-worker-pool';
 *
 * const pool = new WorkerPool({
 *   handler: async (file: string) => compress(file),
 *   concurrency: {
 *     min: 1,
 *     max: 32,
 *     autoscale: { policy: new ResourcePolicy({ targetCpuPercent: 60, maxRssBytes: 2 ** 30, step: 2 }) },
 *   },
 * });
 * ```
 */
export class ResourcePolicy implements ScalingPolicy {
  readonly name = 'resource';
  readonly targetCpuPercent: number;
  readonly maxRssBytes: number;
  readonly maxEventLoopDelayMs: number;
  readonly step: number;

  constructor(options: ResourcePolicyOptions = {}) {
    this.targetCpuPercent = checkNumberOr(
      options.targetCpuPercent,
      'targetCpuPercent',
      POSITIVE,
      75,
    );
    this.maxRssBytes = checkNumberOr(options.maxRssBytes, 'maxRssBytes', POSITIVE, Infinity);
    this.maxEventLoopDelayMs = checkNumberOr(
      options.maxEventLoopDelayMs,
      'maxEventLoopDelayMs',
      POSITIVE,
      100,
    );
    this.step = checkNumberOr(options.step, 'step', POSITIVE, 1);
  }

  /** The next limit for these signals, with a reason that quotes the readings. */
  next(signals: ScalingSignals): ScalingDecision {
    const { limit, usage, queued, active } = signals;
    const cpu = usage.cpuPercent;
    const over: string[] = [];
    if (cpu > this.targetCpuPercent) over.push(`cpu ${fixed(cpu)}% > ${this.targetCpuPercent}%`);
    if (usage.rssBytes > this.maxRssBytes) {
      over.push(`rss ${megabytes(usage.rssBytes)} MB > ${megabytes(this.maxRssBytes)} MB`);
    }
    if (usage.eventLoopDelayMs > this.maxEventLoopDelayMs) {
      over.push(
        `event-loop delay ${fixed(usage.eventLoopDelayMs)} ms > ${this.maxEventLoopDelayMs} ms`,
      );
    }
    if (over.length > 0)
      return { limit: limit - this.step, reason: `${over.join(', ')}: -${this.step}` };
    if (queued > 0 && active >= limit && cpu < this.targetCpuPercent) {
      return {
        limit: limit + this.step,
        reason: `backlog ${queued}, ${active}/${limit} slots busy, cpu ${fixed(cpu)}% < ${this.targetCpuPercent}%: +${this.step}`,
      };
    }
    const why =
      queued === 0
        ? 'no backlog'
        : active < limit
          ? `${active}/${limit} slots busy`
          : `backlog ${queued}`;
    return { limit, reason: `${why}, cpu ${fixed(cpu)}%: hold` };
  }
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function megabytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
