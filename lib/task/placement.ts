import { describeValue } from '../options/describe-value';

/*
 * Where a task goes in a keyed, weighted scheduler: its fairness key and its weight, checked
 * where they come in (submit, a process() function, a priorityMerge function).
 */

/** A key as given: a string, or undefined for none. Anything else is a TypeError naming `path`. */
export function checkKey(key: unknown, path: string): string | undefined {
  if (key === undefined || typeof key === 'string') return key;
  throw new TypeError(`Expected \`${path}\` to be a string, got ${describeValue(key)}`);
}

/**
 * A weight as given: an integer from 1 (a TypeError otherwise), at most `ceiling`, the most
 * slots the limit can ever offer (a RangeError naming both otherwise). Undefined stays so.
 */
export function checkWeight(
  weight: unknown,
  path: string,
  ceiling: number,
  ceilingName = 'concurrency',
): number | undefined {
  if (weight === undefined) return undefined;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1) {
    throw new TypeError(
      `Expected \`${path}\` to be an integer from 1, got ${describeValue(weight)}`,
    );
  }
  if (weight > ceiling) {
    throw new RangeError(
      `\`${path}\` ${weight} is above \`${ceilingName}\` ${ceiling}: a task that heavy could never start`,
    );
  }
  return weight;
}
