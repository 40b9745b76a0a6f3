import type { JitterName } from './backoff';
import { describeValue } from '../options/describe-value';

/**
 * What a {@link Jitter} function may use besides the delay it randomizes.
 *
 * ## Example
 * ```ts
 * import { ExponentialBackoff, type JitterContext } from 'rxjs-worker-pool';
 * // Anywhere between the previous un-jittered delay and this one.
 * const between = (delayMs: number, { previousMs, random }: JitterContext) =>
 *   previousMs + random() * (delayMs - previousMs);
 * new ExponentialBackoff({ initialMs: 100, jitter: between, random: () => 0.5 }).delayMs(3);
 * // Output: 300 (between 200 and 400)
 * ```
 */
export interface JitterContext {
  /** The retry number, 1 for the first retry. */
  readonly attempt: number;
  /** The strategy's first delay (its lower bound for `random`), in ms. */
  readonly initialMs: number;
  /** The strategy's cap, in ms; the result is capped at it whatever the jitter returns. */
  readonly maxMs: number;
  /**
   * The un-jittered delay of the previous retry (`initialMs` for the first), in ms. It is derived
   * from the strategy, not remembered, so `Backoff.delayMs` stays a pure function of `attempt`.
   */
  readonly previousMs: number;
  /** A source of uniform numbers in [0, 1). */
  readonly random: () => number;
}

/**
 * Turns a strategy's delay into the delay actually waited, in ms. The result is clamped to
 * `[0, maxMs]` by the strategy.
 *
 * ## Example
 * ```ts
 * import { LinearBackoff, type Jitter } from 'rxjs-worker-pool';
 * const tenPercent: Jitter = (delayMs, { random }) => delayMs * (0.9 + random() * 0.2); // ±10 %
 * const backoff = new LinearBackoff({ initialMs: 1_000, jitter: tenPercent, random: () => 0.75 });
 * backoff.delayMs(2);
 * // Output: 2100
 * ```
 */
export type Jitter = (delayMs: number, ctx: JitterContext) => number;

/**
 * Keeps the delay as it is.
 *
 * ## Example
 * ```ts
 * import { FixedBackoff, noJitter } from 'rxjs-worker-pool';
 * new FixedBackoff({ initialMs: 500, jitter: noJitter }).delayMs(3);
 * // Output: 500
 * ```
 */
export const noJitter: Jitter = (delayMs) => delayMs;

/**
 * Uniform in [0, delay]: spreads retries the most (AWS "full jitter").
 *
 * ## Example
 * ```ts
 * import { ExponentialBackoff, fullJitter } from 'rxjs-worker-pool';
 * new ExponentialBackoff({ jitter: fullJitter, random: () => 0.5 }).delayMs(2);
 * // Output: 100 (half of 200)
 * ```
 */
export const fullJitter: Jitter = (delayMs, { random }) => random() * delayMs;

/**
 * Half the delay plus uniform in [0, delay / 2]: never waits less than half (AWS "equal jitter").
 *
 * ## Example
 * ```ts
 * import { FixedBackoff, equalJitter } from 'rxjs-worker-pool';
 * new FixedBackoff({ initialMs: 100, jitter: equalJitter, random: () => 0 }).delayMs(1);
 * // Output: 50
 * ```
 */
export const equalJitter: Jitter = (delayMs, { random }) => delayMs / 2 + random() * (delayMs / 2);

/**
 * Uniform in [initialMs, previousMs × 3], capped at maxMs (AWS "decorrelated jitter"). It ignores
 * the strategy's own delay: `previousMs` is the un-jittered delay of the previous retry, derived
 * deterministically, so the backoff stays stateless and the same attempt always has the same range.
 *
 * ## Example
 * ```ts
 * import { ExponentialBackoff, decorrelatedJitter } from 'rxjs-worker-pool';
 * new ExponentialBackoff({ initialMs: 100, jitter: decorrelatedJitter, random: () => 0.5 }).delayMs(3);
 * // Output: 350 (previous un-jittered delay 200, range [100, 600])
 * ```
 */
export const decorrelatedJitter: Jitter = (_delayMs, { initialMs, maxMs, previousMs, random }) => {
  const upper = Math.max(initialMs, previousMs * 3);
  return Math.min(maxMs, initialMs + random() * (upper - initialMs));
};

const BY_NAME: Record<JitterName, Jitter> = {
  none: noJitter,
  full: fullJitter,
  equal: equalJitter,
  decorrelated: decorrelatedJitter,
};

/**
 * The built-in jitter of that name; a function is returned as it is. Throws a `TypeError` naming
 * `path` for anything else.
 *
 * ## Example
 * ```ts
 * import { jitterFrom, equalJitter } from 'rxjs-worker-pool';
 * jitterFrom('equal') === equalJitter;
 * // Output: true
 * ```
 *
 * @param name A {@link JitterName} or a custom {@link Jitter}.
 * @param path The option path used in the error message. Defaults to `jitter`.
 */
export function jitterFrom(name: JitterName | Jitter, path = 'jitter'): Jitter {
  if (typeof name === 'function') return name;
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(BY_NAME, name)) {
    return BY_NAME[name];
  }
  throw new TypeError(
    `Expected \`${path}\` to be one of 'none' | 'full' | 'equal' | 'decorrelated' or a function, got ${describeValue(name)}`,
  );
}

/**
 * Applies `jitter` and clamps the result to `[0, ctx.maxMs]`, so a custom jitter can never exceed
 * the cap or go negative; a NaN result falls back to the un-jittered delay.
 * @internal
 */
export function applyJitter(jitter: Jitter, delayMs: number, ctx: JitterContext): number {
  const jittered = jitter(delayMs, ctx);
  const value = Number.isNaN(jittered) ? delayMs : jittered;
  return Math.min(ctx.maxMs, Math.max(0, value));
}
