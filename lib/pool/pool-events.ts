import type { Priority } from '../task/priority';

/** Every kind of event on `events$`. */
export type PoolEventType =
  | 'queued'
  | 'started'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rejected'
  | 'concurrency-changed';

/** One transition, as emitted by `events$`. */
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
