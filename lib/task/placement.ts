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

/**
 * A task's key and weight in one field: nothing (most tasks), the key itself (a keyed task of
 * weight 1: no object per task), or both.
 */
export type Placement =
  string | { readonly key: string | undefined; readonly weight: number } | undefined;

/** Weighted tasks without a key share one placement per weight. */
const keylessWeights = new Map<number, { readonly key: undefined; readonly weight: number }>();

/** The placement of a checked key and weight. */
export function toPlacement(key: string | undefined, weight: number | undefined): Placement {
  if (weight === undefined) return key;
  if (key !== undefined) return { key, weight };
  let shared = keylessWeights.get(weight);
  if (shared === undefined) keylessWeights.set(weight, (shared = { key: undefined, weight }));
  return shared;
}
