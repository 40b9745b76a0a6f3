import type { PriorityLike } from '../task/priority';
import type { RetryOptions } from '../retry/retry-options';

// Per-call settings live with the engine: they name the policies (retry, backoff) that the
// task model below them must not know.

/**
 * Per-task options of `submit()` and `run()`.
 *
 * ## Example
 * ```ts
 * import type { TaskOptions } from 'rxjs-worker-pool';
 * const options: TaskOptions<string> = {
 *   id: 'invoice-42',
 *   priority: 'high',
 *   timeoutMs: 2_000,
 *   retry: { maxAttempts: 5 },
 *   signal: AbortSignal.timeout(60_000),
 * };
 * await pool.submit('invoice-42.pdf', options);
 * ```
 */
// `I` is unused here but keeps the contract's shape (the public contract names it TaskOptions<I>).
export interface TaskOptions<I> {
  /** Defaults to a generated id. */
  id?: string;
  /** Defaults to NORMAL. */
  priority?: PriorityLike;
  /** Per attempt, in ms; overrides the pool's `timeoutMs`. */
  timeoutMs?: number;
  /** Overrides the pool's retry options, key by key. */
  retry?: Partial<RetryOptions>;
  /** Caller-side cancellation: aborting it cancels the task queued, or aborts it running. */
  signal?: AbortSignal;
  /**
   * Its fairness and limit group: a tenant, a user, a host. Within a priority, keys take
   * turns, and `keys` limits each one. Defaults to none (the tasks without a key form one group).
   */
  key?: string;
  /**
   * The slots its attempts hold (an integer from 1): a task that costs four times as much
   * holds 4 of the pool's and its key's slots. Defaults to 1.
   */
  weight?: number;
}

/**
 * Options of `process()` and `runInPool()`: a priority may be computed from each input.
 *
 * ## Example
 * ```ts
 * import { from } from 'rxjs';
 * import type { ProcessOptions } from 'rxjs-worker-pool';
 * const options: ProcessOptions<{ path: string; size: number }> = {
 *   priority: (file) => (file.size > 1_000_000 ? 'low' : 'normal'),
 *   timeoutMs: 30_000,
 * };
 * pool.process(from(files), options).subscribe((result) => console.log(result.status));
 * ```
 */
export interface ProcessOptions<I> extends Omit<
  TaskOptions<I>,
  'id' | 'priority' | 'key' | 'weight'
> {
  priority?: PriorityLike | ((input: I) => PriorityLike);
  /** Each item's key, or a function of the item giving it. */
  key?: string | ((input: I) => string | undefined);
  /** Each item's weight, or a function of the item giving it. */
  weight?: number | ((input: I) => number);
}
