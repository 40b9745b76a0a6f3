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

/** The lower-case name of a priority, accepted wherever a {@link Priority} is. */
export type PriorityName = 'low' | 'normal' | 'high' | 'critical';

/** A priority given either as a {@link Priority} value or as its {@link PriorityName}. */
export type PriorityLike = Priority | PriorityName;

/** Priority names indexed by value: `PRIORITY_NAMES[Priority.HIGH] === 'high'`. */
export const PRIORITY_NAMES: readonly PriorityName[] = ['low', 'normal', 'high', 'critical'];

/** Number of priority levels. */
export const PRIORITY_LEVELS = 4;

const BY_NAME: Record<string, Priority> = { low: 0, normal: 1, high: 2, critical: 3 };

/**
 * Turns a priority value or name into its numeric {@link Priority}; `undefined` is NORMAL.
 * Throws a `TypeError` naming `path` and the value when it is neither.
 */
export function toPriority(value: unknown, path = 'priority'): Priority {
  if (value === undefined) return Priority.NORMAL;
  if (typeof value === 'number' && (value === 0 || value === 1 || value === 2 || value === 3)) {
    return value;
  }
  if (typeof value === 'string') {
    const byName = BY_NAME[value.toLowerCase()];
    if (byName !== undefined) return byName;
  }
  throw new TypeError(
    `Expected \`${path}\` to be one of 0..3 or 'low' | 'normal' | 'high' | 'critical', got ${describe(value)}`,
  );
}

/** The {@link PriorityName} of a numeric priority. */
export function priorityName(priority: Priority): PriorityName {
  return PRIORITY_NAMES[priority];
}

/** `` `value` (type) `` for option error messages, following one template everywhere. */
export function describe(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}
