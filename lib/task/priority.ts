import { describeValue } from '../options/describe-value';
/**
 * Task priorities, highest served first: CRITICAL > HIGH > NORMAL > LOW.
 *
 * ## Example
 * ```ts
 * import { Priority } from 'rxjs-worker-pool';
 * pool.submit(input, { priority: Priority.HIGH }); // or { priority: 'high' }
 * ```
 */
export const Priority = { LOW: 0, NORMAL: 1, HIGH: 2, CRITICAL: 3 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/**
 * The lower-case name of a priority, accepted wherever a {@link Priority} is.
 *
 * ## Example
 * ```ts
 * import type { PriorityName } from 'rxjs-worker-pool';
 * const byPlan: Record<string, PriorityName> = { free: 'low', pro: 'normal', team: 'high' };
 * await pool.submit(job, { priority: byPlan[customer.plan] });
 * ```
 */
export type PriorityName = 'low' | 'normal' | 'high' | 'critical';

/**
 * A priority given either as a {@link Priority} value or as its {@link PriorityName}.
 *
 * ## Example
 * ```ts
 * import { Priority, toPriority, type PriorityLike } from 'rxjs-worker-pool';
 * const levels: PriorityLike[] = [Priority.HIGH, 'high', 'low'];
 * levels.map((level) => toPriority(level));
 * // Output: [2, 2, 0]
 * ```
 */
export type PriorityLike = Priority | PriorityName;

/**
 * Priority names indexed by value: `PRIORITY_NAMES[Priority.HIGH] === 'high'`.
 *
 * ## Example
 * ```ts
 * import { PRIORITY_NAMES } from 'rxjs-worker-pool';
 * PRIORITY_NAMES.forEach((name, level) => console.log(level, name));
 * // Output:
 * // 0 low
 * // 1 normal
 * // 2 high
 * // 3 critical
 * ```
 */
export const PRIORITY_NAMES: readonly PriorityName[] = ['low', 'normal', 'high', 'critical'];

/** Number of priority levels. */
export const PRIORITY_LEVELS = 4;

// A Map, not an object literal: 'constructor' or 'toString' must not find Object.prototype's.
const BY_NAME: ReadonlyMap<string, Priority> = new Map([
  ['low', Priority.LOW],
  ['normal', Priority.NORMAL],
  ['high', Priority.HIGH],
  ['critical', Priority.CRITICAL],
]);

/**
 * Turns a priority value or name into its numeric {@link Priority}; `undefined` is NORMAL.
 * Throws a `TypeError` naming `path` and the value when it is neither.
 *
 * ## Example
 * ```ts
 * import { toPriority } from 'rxjs-worker-pool';
 * [toPriority('HIGH'), toPriority(3), toPriority(undefined)];
 * // Output: [2, 3, 1]
 * toPriority('urgent', 'job.priority');
 * // throws TypeError: Expected `job.priority` to be one of 0..3 or 'low' | 'normal' | 'high' |
 * // 'critical', got `urgent` (string)
 * ```
 */
export function toPriority(value: unknown, path = 'priority'): Priority {
  if (value === undefined) return Priority.NORMAL;
  if (typeof value === 'number' && (value === 0 || value === 1 || value === 2 || value === 3)) {
    return value;
  }
  if (typeof value === 'string') {
    // The exact name first: toLowerCase() allocates a string per call, on the submit path.
    const byName = BY_NAME.get(value) ?? BY_NAME.get(value.toLowerCase());
    if (byName !== undefined) return byName;
  }
  throw new TypeError(
    `Expected \`${path}\` to be one of 0..3 or 'low' | 'normal' | 'high' | 'critical', got ${describeValue(value)}`,
  );
}

/**
 * The {@link PriorityName} of a numeric priority.
 *
 * ## Example
 * ```ts
 * import { priorityName } from 'rxjs-worker-pool';
 * pool.results$.subscribe(({ task, status }) => {
 *   console.log(task.id, priorityName(task.priority), status);
 * });
 * await pool.submit(input, { priority: 'high' });
 * // Output: 1 high succeeded
 * ```
 */
export function priorityName(priority: Priority): PriorityName {
  return PRIORITY_NAMES[priority];
}
