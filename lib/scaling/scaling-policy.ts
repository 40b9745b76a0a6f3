import type { ProcessUsage } from './usage-source';

/** What a scaling policy sees at each tick. */
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

/** A decision: the next limit and why (logged at debug). */
export interface ScalingDecision {
  readonly limit: number;
  readonly reason: string;
}

/**
 * Decides the next concurrency limit from the pool's signals. Implement it to plug in your
 * own policy; the scaler clamps the answer to min..max.
 */
export interface ScalingPolicy {
  readonly name: string;
  next(signals: ScalingSignals): ScalingDecision;
}
