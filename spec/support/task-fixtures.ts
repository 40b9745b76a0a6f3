import { DEFAULT_RETRY, resolveRetry } from '../../lib/retry/retry-policy';
import { toPlacement } from '../../lib/task/placement';
import { Priority } from '../../lib/task/priority';
import type { Handler } from '../../lib/task/task';
import { PoolTask, type TaskSettings } from '../../lib/pool/pool-task';
import { silent } from './pool-fixtures';

/* Pool tasks made by hand, for the specs of the engine's parts (runners, batches). */

/** The settings a pool gives its tasks: the default retry, no signal, a silent logger. */
export function taskSettings<I, O>(
  handler: Handler<I, O> | undefined,
  timeoutMs?: number,
): TaskSettings<I, O> {
  return {
    handler,
    timeoutMs,
    retry: resolveRetry(DEFAULT_RETRY),
    signal: undefined,
    epoch: 0,
    group: undefined,
    logger: silent,
  };
}

/** A task whose id and input are `id`, at NORMAL unless told, with its key and weight. */
export function poolTask<O = string>(
  id: string,
  options: {
    settings?: TaskSettings<string, O>;
    priority?: Priority;
    key?: string;
    weight?: number;
  } = {},
): PoolTask<string, O> {
  return new PoolTask<string, O>(
    id,
    id,
    options.priority ?? Priority.NORMAL,
    0,
    options.settings ?? taskSettings<string, O>(undefined),
    toPlacement(options.key, options.weight),
  );
}
