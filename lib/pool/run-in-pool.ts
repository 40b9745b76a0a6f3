import type { OperatorFunction } from 'rxjs';
import type { TaskResult } from '../task/task';
import type { ProcessOptions } from './task-options';
import type { WorkerPool } from './worker-pool';

/**
 * `pool.process()` as an operator: each source value becomes a task of `pool`, and the
 * stream emits their results; unsubscribing cancels the stream's queued tasks and aborts its
 * running ones.
 *
 * ## Example
 * ```ts
 * import { from } from 'rxjs';
 * import { WorkerPool, runInPool } from 'rxjs-worker-pool';
 *
 * const pool = new WorkerPool({ handler: async (n: number) => n * n, concurrency: 2 });
 * from([1, 2, 3]).pipe(runInPool(pool)).subscribe((r) => console.log(r.value));
 * // Output (order of completion):
 * // 1
 * // 4
 * // 9
 * ```
 */
export function runInPool<I, O>(
  pool: WorkerPool<I, O>,
  options?: ProcessOptions<I>,
): OperatorFunction<I, TaskResult<I, O>> {
  return (source) => pool.process(source, options);
}
