import type { Priority } from '../task/priority';

/**
 * Every kind of event on `events$`.
 *
 * ## Example
 * ```ts
 * import { filter } from 'rxjs';
 * import type { PoolEventType } from 'rxjs-worker-pool';
 * const ends: PoolEventType[] = ['succeeded', 'failed', 'cancelled', 'rejected'];
 * pool.events$
 *   .pipe(filter((event) => ends.includes(event.type)))
 *   .subscribe((event) => console.log(event.type, event.taskId));
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
  | 'concurrency-changed';

/**
 * One transition, as emitted by `events$`.
 *
 * ## Example
 * ```ts
 * import type { PoolEvent } from 'rxjs-worker-pool';
 * const describe = (e: PoolEvent): string =>
 *   e.type === 'retrying'
 *     ? `task ${e.taskId}: attempt ${e.attempt} failed, retry in ${e.delayMs} ms`
 *     : e.type === 'concurrency-changed'
 *       ? `limit ${e.previous} -> ${e.concurrency}`
 *       : `task ${e.taskId}: ${e.type}`;
 * pool.events$.subscribe((event) => console.log(describe(event)));
 * // Output:
 * // task 1: queued
 * // task 1: started
 * // task 1: attempt 1 failed, retry in 87 ms
 * // limit 4 -> 8
 * ```
 */
export interface PoolEvent {
  type: PoolEventType;
  taskId?: string;
  priority?: Priority;
  /** The attempt number (started, retrying, and terminal events). */
  attempt?: number;
  /** `retrying`: the backoff before the next attempt, in ms. */
  delayMs?: number;
  /** `retrying`, `failed`, `cancelled`, `rejected`: the error. */
  error?: Error;
  /** `concurrency-changed`: the new and the previous limit. */
  concurrency?: number;
  previous?: number;
}
