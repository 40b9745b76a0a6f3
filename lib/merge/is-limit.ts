/**
 * What `mergeMap` accepts as a concurrency limit: an integer from 1, or `Infinity` (no limit).
 * @internal
 */
export function isLimit(value: unknown): value is number {
  return (
    typeof value === 'number' && (value === Infinity || (Number.isInteger(value) && value >= 1))
  );
}
