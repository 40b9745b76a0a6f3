import { checkFunction, checkNumberOr, type NumberRule } from '../options/check-option';
import type { ScalingDecision, ScalingPolicy, ScalingSignals } from './scaling-policy';

/**
 * Options of {@link LatencyPolicy}.
 *
 * ## Example
 * ```ts
 * import { LatencyPolicy, WorkerPool } from 'rxjs-worker-pool';
 * // Accept latency up to 1.1x the best seen; back off harder on errors.
 * const policy = new LatencyPolicy({ tolerance: 1.1, backoffRatio: 0.8 });
 * new WorkerPool({ handler, concurrency: { min: 1, max: 128, autoscale: { policy } } });
 * ```
 */
export interface LatencyPolicyOptions {
  /**
   * How far recent latency may rise above the baseline before the limit shrinks: the gradient
   * is `tolerance × baseline / recent`, capped at 1. Defaults to 1.25.
   */
  tolerance?: number;
  /** Lowest gradient: the most one tick can cut before smoothing. Defaults to 0.5. */
  minGradient?: number;
  /** Weight of the new target against the current estimate, in (0, 1]. Defaults to 0.2. */
  smoothing?: number;
  /** Headroom added to `limit × gradient`, so that the limit keeps probing. Defaults to `sqrt(limit)`. */
  queueAllowance?: (limit: number) => number;
  /** Factor the limit is multiplied by when too many attempts fail or time out. Defaults to 0.9. */
  backoffRatio?: number;
  /** Share of failed (timed-out included) attempts in a tick above which the policy backs off. Defaults to 0.05. */
  maxErrorRate?: number;
  /**
   * How fast the baseline follows a latency that stays above it, per tick, in [0, 1): lets the
   * policy accept a downstream that became slower for good. 0 keeps the all-time minimum.
   * Too fast, and a limit held above capacity comes to look normal, so the limit creeps up.
   * Defaults to 0.001 (a time constant of about 1000 ticks).
   */
  baselineDecay?: number;
  /** Double the limit each tick until latency first rises above `1.1 × baseline`. Defaults to true. */
  slowStart?: boolean;
}

/** Latency rise that ends slow start: doubling stops at the first 10 % increase. */
const SLOW_START_EXIT = 1.1;

/**
 * An adaptive limit that finds a downstream's capacity from run latency alone, in the spirit of
 * Netflix concurrency-limits' Gradient2 and AIMD.
 *
 * The algorithm, at each tick with at least one ended attempt:
 * 1. `recent` is the mean run time of the attempts that ended since the previous tick. The
 *    `baseline` is the long-run minimum of `recent`: it drops at once to a lower reading and
 *    drifts up towards a higher one by `baselineDecay` per tick.
 * 2. Errors (multiplicative decrease): if the share of failed or timed-out attempts is above
 *    `maxErrorRate`, the limit becomes `limit × backoffRatio` and slow start ends.
 * 3. Slow start: until latency first rises above 1.1 × baseline, the limit doubles each tick
 *    while there is a backlog, so that a large capacity is found in a few ticks.
 * 4. Gradient: `gradient = clamp(tolerance × baseline / recent, minGradient, 1)`;
 *    `target = limit × gradient + queueAllowance(limit)`, never above `limit` without a backlog;
 *    `limit = (1 − smoothing) × limit + smoothing × target`. While latency holds the gradient
 *    is 1 and the limit grows by `smoothing × sqrt(limit)`; when it rises the gradient pulls the
 *    limit back towards the concurrency at which latency started to climb. At equilibrium
 *    `limit ≈ tolerance × capacity + sqrt(limit)`.
 *
 * The policy keeps a fractional estimate and answers its rounded value; when the limit in force
 * differs from that (the scaler clamped it, another policy won, or it was set by hand) the
 * estimate restarts from the limit in force. Without ended attempts it holds.
 *
 * ## Example
 * ```ts
 * import { LatencyPolicy, WorkerPool } from 'rxjs-worker-pool';
 *
 * const pool = new WorkerPool({
 *   handler: async (url: string, { signal }) => (await fetch(url, { signal })).status,
 *   concurrency: {
 *     min: 1,
 *     max: 256,
 *     initial: 4,
 *     autoscale: { policy: new LatencyPolicy({ tolerance: 1.5, backoffRatio: 0.8 }) },
 *   },
 * });
 * ```
 */
export class LatencyPolicy implements ScalingPolicy {
  readonly name = 'latency';
  readonly #tolerance: number;
  readonly #minGradient: number;
  readonly #smoothing: number;
  readonly #queueAllowance: (limit: number) => number;
  readonly #backoffRatio: number;
  readonly #maxErrorRate: number;
  readonly #baselineDecay: number;
  #slowStart: boolean;
  #estimate = NaN;
  #baseline = NaN;

  constructor(options: LatencyPolicyOptions = {}) {
    // Infinity passes: the gradient then stays at 1, so only errors cut the limit.
    const fromOne: NumberRule = { min: 1, infinite: true, expected: 'from 1' };
    const fraction: NumberRule = { min: 0, exclusiveMin: true, max: 1 };
    const share: NumberRule = { min: 0, max: 1, exclusiveMax: true };
    this.#tolerance = checkNumberOr(options.tolerance, 'tolerance', fromOne, 1.25);
    this.#minGradient = checkNumberOr(options.minGradient, 'minGradient', fraction, 0.5);
    this.#smoothing = checkNumberOr(options.smoothing, 'smoothing', fraction, 0.2);
    this.#backoffRatio = checkNumberOr(
      options.backoffRatio,
      'backoffRatio',
      { ...fraction, exclusiveMax: true },
      0.9,
    );
    this.#maxErrorRate = checkNumberOr(options.maxErrorRate, 'maxErrorRate', share, 0.05);
    this.#baselineDecay = checkNumberOr(options.baselineDecay, 'baselineDecay', share, 0.001);
    this.#queueAllowance =
      options.queueAllowance === undefined
        ? Math.sqrt
        : checkFunction(options.queueAllowance, 'queueAllowance');
    this.#slowStart = options.slowStart ?? true;
  }

  /** The latency baseline in ms (NaN before the first ended attempt). */
  get baselineMs(): number {
    return this.#baseline;
  }

  /** The fractional limit estimate (NaN before the first tick). */
  get estimate(): number {
    return this.#estimate;
  }

  /** The next limit for these signals, with the gradient and latencies in the reason. */
  next(signals: ScalingSignals): ScalingDecision {
    const { limit, queued, completed, failed, meanRunMs } = signals;
    // Someone else moved the limit (clamp, another policy, a manual pin): start from it.
    if (!(Math.round(this.#estimate) === limit)) this.#estimate = limit;
    if (completed === 0 || !Number.isFinite(meanRunMs)) {
      return { limit, reason: 'no attempt ended: hold' };
    }
    const recent = meanRunMs;
    if (!(recent >= this.#baseline)) this.#baseline = recent;
    else this.#baseline += (recent - this.#baseline) * this.#baselineDecay;
    const baseline = this.#baseline;
    const latency = `latency ${ms(recent)} ms vs baseline ${ms(baseline)} ms`;

    const errorRate = failed / completed;
    if (errorRate > this.#maxErrorRate) {
      this.#slowStart = false;
      this.#estimate = Math.max(1, this.#estimate * this.#backoffRatio);
      return {
        limit: this.#answer(),
        reason: `${failed}/${completed} attempts failed (${signals.timeouts} timed out): × ${this.#backoffRatio}`,
      };
    }

    if (this.#slowStart) {
      if (recent <= baseline * SLOW_START_EXIT) {
        if (queued === 0) return { limit, reason: `slow start, ${latency}, no backlog: hold` };
        this.#estimate *= 2;
        return { limit: this.#answer(), reason: `slow start, ${latency}: × 2` };
      }
      this.#slowStart = false;
    }

    const ratio = baseline > 0 ? (this.#tolerance * baseline) / recent : 1;
    const gradient = Math.min(1, Math.max(this.#minGradient, ratio));
    let target = this.#estimate * gradient + this.#queueAllowance(this.#estimate);
    if (queued === 0) target = Math.min(target, this.#estimate);
    this.#estimate = Math.max(1, this.#estimate * (1 - this.#smoothing) + target * this.#smoothing);
    return {
      limit: this.#answer(),
      reason: `${latency}, gradient ${gradient.toFixed(2)}${queued === 0 ? ', no backlog' : ''}`,
    };
  }

  #answer(): number {
    return Math.max(1, Math.round(this.#estimate));
  }
}

function ms(value: number): string {
  return value.toFixed(1);
}
