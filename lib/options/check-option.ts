import { describeValue } from '../options/describe-value';

/**
 * What a numeric option must satisfy; see {@link checkNumber}.
 *
 * ## Example
 * ```ts
 * import { checkNumber, type NumberRule } from 'rxjs-worker-pool';
 * const batchSize: NumberRule = { min: 1, max: 1_000, integer: true };
 * checkNumber(500, 'batchSize', batchSize); // 500
 * ```
 */
export interface NumberRule {
  /** Lowest accepted value. */
  min: number;
  /** When true, `min` itself is refused (`> min`). Defaults to false. */
  exclusiveMin?: boolean;
  /** Highest accepted value. Defaults to none. */
  max?: number;
  /** When true, `max` itself is refused (`< max`). Defaults to false. */
  exclusiveMax?: boolean;
  /** When true, only integers pass. Defaults to false. */
  integer?: boolean;
  /** When true, `Infinity` passes too (an option where it means "no bound"). Defaults to false. */
  infinite?: boolean;
  /** Shown instead of `min` in the message, e.g. `` `initialMs` (100) ``. Defaults to `min`. */
  minLabel?: string;
  /**
   * Shown instead of the range made from the rule, where a message words it otherwise:
   * `above 0` gives ``Expected `step` to be a number above 0``. Defaults to the made range.
   */
  expected?: string;
}

/**
 * Joins an option path prefix and a key: `optionPath('retry', 'maxAttempts')` is `retry.maxAttempts`.
 * @internal
 */
export function optionPath(prefix: string | undefined, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/**
 * Returns `value` when it is a finite number (or `Infinity`, if the rule allows it) satisfying
 * `rule`, else throws a `TypeError` in the p-queue template:
 * ``Expected `initialMs` to be a number >= 0, got `-1` (number)``.
 *
 * Public so that integrations (threads, BullMQ, your own) word option errors as the pool does.
 *
 * ## Example
 * ```ts
 * import { checkNumber } from 'rxjs-worker-pool';
 * const size = checkNumber(options.size, 'size', { min: 1, integer: true });
 * // options.size = 0 throws: Expected `size` to be an integer >= 1, got `0` (number)
 * ```
 */
export function checkNumber(value: unknown, path: string, rule: NumberRule): number {
  if (typeof value !== 'number' || !satisfies(value, rule)) {
    const kind = rule.integer ? 'an integer' : 'a number';
    throw new TypeError(
      `Expected \`${path}\` to be ${kind} ${rule.expected ?? range(rule)}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * {@link checkNumber} for an optional option: returns `fallback` when `value` is `undefined`.
 * @internal
 */
export function checkNumberOr(
  value: unknown,
  path: string,
  rule: NumberRule,
  fallback: number,
): number {
  return value === undefined ? fallback : checkNumber(value, path, rule);
}

/**
 * The longest delay a Node timer holds (a signed 32-bit count of ms, about 24.8 days): a longer
 * one fires after 1 ms, so every duration option is checked against it.
 *
 * ## Example
 * ```ts
 * import { MAX_TIMER_MS } from 'rxjs-worker-pool';
 * const waitMs = Math.min(requestedMs, MAX_TIMER_MS);
 * ```
 */
export const MAX_TIMER_MS = 2147483647; // 2 ** 31 - 1, as a literal type

/**
 * What a duration option must satisfy: from `min` (or above it) up to {@link MAX_TIMER_MS};
 * `infinite` lets `Infinity` through where it means "no limit".
 *
 * ## Example
 * ```ts
 * import { checkDuration, type DurationRule } from 'rxjs-worker-pool';
 * const aboveZero: DurationRule = { exclusiveMin: true };
 * checkDuration(5_000, 'pollMs', aboveZero); // 5000
 * ```
 */
export interface DurationRule {
  /** Lowest accepted value. Defaults to 0. */
  min?: number;
  /** When true, `min` itself is refused. Defaults to false. */
  exclusiveMin?: boolean;
  /** When true, `Infinity` passes (where it means "no limit"). Defaults to false. */
  infinite?: boolean;
}

/**
 * {@link checkNumber} for a duration in ms: the one place that holds durations to what a timer
 * can wait:
 * ``Expected `timeoutMs` to be a number of ms above 0, at most 2147483647, got `10000000000` (number)``.
 *
 * ## Example
 * ```ts
 * import { checkDuration } from 'rxjs-worker-pool';
 * const pollMs = checkDuration(options.pollMs ?? 1_000, 'pollMs', { exclusiveMin: true });
 * ```
 */
export function checkDuration(value: unknown, path: string, rule: DurationRule = {}): number {
  const min = rule.min ?? 0;
  return checkNumber(value, path, {
    min,
    exclusiveMin: rule.exclusiveMin,
    max: MAX_TIMER_MS,
    infinite: rule.infinite,
    expected: `of ms ${rule.exclusiveMin ? `above ${min}, at most` : `from ${min} to`} ${MAX_TIMER_MS}${rule.infinite ? ', or Infinity for none' : ''}`,
  });
}

function satisfies(value: number, rule: NumberRule): boolean {
  // Infinity stands for "no bound" where the rule allows it, above any finite max.
  if (value === Infinity) return rule.infinite === true;
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) return false;
  const aboveMin = rule.exclusiveMin ? value > rule.min : value >= rule.min;
  const belowMax =
    rule.max === undefined || (rule.exclusiveMax ? value < rule.max : value <= rule.max);
  return aboveMin && belowMax;
}

/** `>= 0`, `> 0`, `from 1 to 5`, or `in (0, 1]` once a bound of a closed range is exclusive. */
function range(rule: NumberRule): string {
  const min = rule.minLabel ?? String(rule.min);
  if (rule.max === undefined) return `${rule.exclusiveMin ? '>' : '>='} ${min}`;
  if (!rule.exclusiveMin && !rule.exclusiveMax) return `from ${min} to ${rule.max}`;
  return `in ${rule.exclusiveMin ? '(' : '['}${min}, ${rule.max}${rule.exclusiveMax ? ')' : ']'}`;
}

/**
 * Returns `value` when it is a function, else throws a `TypeError` naming `path`.
 * @internal
 */
export function checkFunction<F extends (...args: never[]) => unknown>(
  value: unknown,
  path: string,
): F {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${path}\` to be a function, got ${describeValue(value)}`);
  }
  return value as F;
}
