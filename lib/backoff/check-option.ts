import { describe } from '../task/priority';

/**
 * What a numeric option must satisfy; see {@link checkNumber}.
 * @internal
 */
export interface NumberRule {
  /** Lowest accepted value. */
  min: number;
  /** When true, `min` itself is refused (`> min`). Defaults to false. */
  exclusiveMin?: boolean;
  /** Highest accepted value (inclusive). Defaults to none. */
  max?: number;
  /** When true, only integers pass. Defaults to false. */
  integer?: boolean;
  /** Shown instead of `min` in the message, e.g. `` `initialMs` (100) ``. Defaults to `min`. */
  minLabel?: string;
}

/**
 * Joins an option path prefix and a key: `optionPath('retry', 'maxAttempts')` is `retry.maxAttempts`.
 * @internal
 */
export function optionPath(prefix: string | undefined, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/**
 * Returns `value` when it is a finite number satisfying `rule`, else throws a `TypeError` in the
 * p-queue template: ``Expected `initialMs` to be a number >= 0, got `-1` (number)``.
 * @internal
 */
export function checkNumber(value: unknown, path: string, rule: NumberRule): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.exclusiveMin ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const kind = rule.integer ? 'an integer' : 'a number';
    const min = rule.minLabel ?? String(rule.min);
    const range =
      rule.max !== undefined
        ? `from ${min} to ${rule.max}`
        : `${rule.exclusiveMin ? '>' : '>='} ${min}`;
    throw new TypeError(`Expected \`${path}\` to be ${kind} ${range}, got ${describe(value)}`);
  }
  return value as number;
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
    throw new TypeError(`Expected \`${path}\` to be a function, got ${describe(value)}`);
  }
  return value as F;
}
