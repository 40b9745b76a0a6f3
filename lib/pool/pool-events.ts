import type { Priority } from '../task/priority';
import { describeValue } from '../options/describe-value';

/**
 * Every kind of event on `events$`.
 *
 * ## Example
 * ```ts
 * import type { PoolEventType } from 'rxjs-worker-pool';
 * const ends = ['succeeded', 'failed', 'cancelled', 'rejected'] as const satisfies PoolEventType[];
 * pool.eventsOf(...ends).subscribe((event) => console.log(event.type, event.taskId));
 * // Output: succeeded 1
 * ```
 */
export type PoolEventType =
  | 'queued'
  | 'started'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rejected'
  | 'concurrency-changed'
  | 'rate-limited'
  | 'rate-limit-cleared';

/**
 * What every event about one task carries.
 *
 * ## Example
 * ```ts
 * import type { TaskEventBase } from 'rxjs-worker-pool';
 * const label = (event: TaskEventBase) => `${event.taskId}@${event.priority}`;
 * ```
 */
export interface TaskEventBase {
  taskId: string;
  priority: Priority;
  /** The task's fairness key; absent when it has none. */
  key?: string;
}

/** `event` with the task's key when it has one (no `key` field otherwise). */
export function withKey<T extends TaskEventBase>(event: T, key: string | undefined): T {
  if (key !== undefined) event.key = key;
  return event;
}

/**
 * One transition, as emitted by `events$`: a union discriminated by `type`, so each kind
 * carries exactly its own fields.
 *
 * ## Example
 * ```ts
 * import type { PoolEvent } from 'rxjs-worker-pool';
 * pool.events$.subscribe((event: PoolEvent) => {
 *   if (event.type === 'retrying') console.log(event.taskId, `retry in ${event.delayMs} ms`, event.error.message);
 *   if (event.type === 'concurrency-changed') console.log(`${event.previous} -> ${event.concurrency}`);
 * });
 * // Output: 7 retry in 180 ms ECONNRESET
 * ```
 */
export type PoolEvent =
  | (TaskEventBase & { type: 'queued' })
  | (TaskEventBase & { type: 'started'; attempt: number })
  | (TaskEventBase & {
      type: 'retrying';
      /** The attempt that failed. */
      attempt: number;
      /** The backoff before the next attempt, in ms. */
      delayMs: number;
      error: Error;
    })
  | (TaskEventBase & { type: 'succeeded'; attempt: number; error?: undefined })
  | (TaskEventBase & {
      type: 'failed' | 'cancelled' | 'rejected';
      /** The last attempt number (0 when it never started). */
      attempt: number;
      error: Error;
    })
  | {
      type: 'concurrency-changed';
      /** The new limit. */
      concurrency: number;
      previous: number;
    }
  /** The rate limit was reached with tasks waiting for it (`pool.isRateLimited` turned true). */
  | { type: 'rate-limited' }
  /** The rate limit no longer holds tasks back. */
  | { type: 'rate-limit-cleared' };

/**
 * The events of some types only: `PoolEventOf<'failed' | 'retrying'>` is what
 * `pool.eventsOf('failed', 'retrying')` emits.
 *
 * ## Example
 * ```ts
 * import type { PoolEventOf } from 'rxjs-worker-pool';
 * const log = (event: PoolEventOf<'failed' | 'retrying'>) => console.log(event.type, event.taskId, event.error.message);
 * pool.eventsOf('failed', 'retrying').subscribe(log);
 * // Output: retrying 7 ECONNRESET
 * ```
 */
export type PoolEventOf<T extends PoolEventType> = PoolEvent extends infer E
  ? // Each member of the union whose `type` admits T, with `type` narrowed to T.
    E extends { type: infer K }
    ? T extends K
      ? E & { type: T }
      : never
    : never
  : never;

/** One bit per event type: what a filtered subscriber takes, and what the pool builds. @internal */
export const EVENT_KIND: Readonly<Record<PoolEventType, number>> = {
  queued: 1,
  started: 2,
  retrying: 4,
  succeeded: 8,
  failed: 16,
  cancelled: 32,
  rejected: 64,
  'concurrency-changed': 128,
  'rate-limited': 256,
  'rate-limit-cleared': 512,
};

/** The kinds bit mask of `eventsOf(...types)`; an unknown or missing type is a TypeError. */
export function eventMask(types: readonly string[]): number {
  if (types.length === 0) {
    throw new TypeError('Expected `eventsOf()` to be given at least one event type');
  }
  let mask = 0;
  for (const type of types) {
    const kind = Object.hasOwn(EVENT_KIND, type) ? EVENT_KIND[type as PoolEventType] : undefined;
    if (kind === undefined) {
      throw new TypeError(
        `Expected an event type of \`eventsOf()\` to be one of ${Object.keys(EVENT_KIND).join(', ')}, got ${describeValue(type)}`,
      );
    }
    mask |= kind;
  }
  return mask;
}
