import { InvalidArgumentError } from 'commander';

/** `--halt-on fail=N` (a count) or `fail=P%` (a share of ended tasks, from 20 ended on). */
export interface HaltPolicy {
  /** As given, for messages. */
  text: string;
  count?: number;
  percent?: number;
}

/** Failed tasks reach a percentage only once this many tasks have ended: 1 of 2 is no trend. */
export const HALT_MIN_ENDED = 20;

/** Parses `fail=N` or `fail=P%` (commander's argument parser: a bad value is exit 2). */
export function parseHaltOn(value: string): HaltPolicy {
  const match = /^fail=(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const n = match ? Number(match[1]) : NaN;
  if (match && match[2] === '%' && n > 0 && n <= 100) return { text: value, percent: n };
  if (match && match[2] === '' && Number.isInteger(n) && n >= 1) return { text: value, count: n };
  throw new InvalidArgumentError('expected fail=N (an integer >= 1) or fail=P% (0 < P <= 100)');
}

/** Whether `failed` of `ended` tasks reach the policy. */
export function haltReached(policy: HaltPolicy, failed: number, ended: number): boolean {
  if (policy.count !== undefined) return failed >= policy.count;
  return ended >= HALT_MIN_ENDED && (failed * 100) / ended >= (policy.percent as number);
}
