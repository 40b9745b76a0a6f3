import type { HotStream } from '../merge/hot-stream';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import type { TaskResult, TaskStatus } from '../task/task';
import { EVENT_KIND, withKey, type PoolEvent, type TaskEventBase } from './pool-events';
import type { Instruments } from './instrumentation';
import { Rejection, type PoolTask } from './pool-task';

const {
  succeeded: SUCCEEDED,
  failed: FAILED,
  cancelled: CANCELLED,
  rejected: REJECTED,
} = EVENT_KIND;

/**
 * A task's one terminal result, told to everyone who waits for it: the metrics, `results$`,
 * its `process()` stream, `events$`, and the promise of `submit()`. Called once per task by
 * the engine, which has already taken the task out of its indexes.
 */
export function endTask<I, O>(
  task: PoolTask<I, O>,
  status: TaskStatus,
  value: O | undefined,
  error: Error | undefined,
  metrics: MetricsRecorder,
  results: HotStream<TaskResult<I, O>>,
  events: HotStream<PoolEvent>,
  instruments: Instruments<I, O> | undefined,
): void {
  // A switch, not metrics[status]++: a keyed access with four names is polymorphic.
  let kind: number;
  switch (status) {
    case 'succeeded':
      metrics.succeeded++;
      kind = SUCCEEDED;
      break;
    case 'failed':
      metrics.failed++;
      kind = FAILED;
      break;
    case 'cancelled':
      metrics.cancelled++;
      kind = CANCELLED;
      break;
    default:
      metrics.rejected++;
      kind = REJECTED;
  }
  const last = task.attempt;
  if (last !== undefined) metrics.recordLatency(task.priority, last.waitMs, last.runMs);
  // A result object only for those who will see it: submit() needs just value or error.
  if (results.observed || task.group !== undefined || instruments !== undefined) {
    // One object shape for every status (value or error undefined), for V8's sake.
    const result = {
      task,
      status,
      value,
      error,
      errors: last?.errors,
      attempts: last === undefined ? 0 : last.attempt,
      waitMs: last === undefined ? 0 : last.waitMs,
      runMs: last === undefined ? 0 : last.runMs,
    } as TaskResult<I, O>;
    if (last?.abandoned) result.abandoned = true;
    if (results.observed) results.next(result);
    task.group?.deliver(result);
    instruments?.ended(result);
  }
  if (events.wants(kind)) {
    events.next(
      withKey(
        {
          type: status,
          taskId: task.id,
          priority: task.priority,
          attempt: last === undefined ? 0 : last.attempt,
          error,
        } as PoolEvent & TaskEventBase,
        task.key,
      ),
      kind,
    );
  }
  const resolve = task.resolve;
  // A finished task lets go of its last attempt and its resolver. A task queued in a burst
  // lives in the old generation, which the scavenger counts as alive until the next full
  // GC: its attempt, made young, would be copied and promoted with it, dead or not.
  task.attempt = undefined;
  task.resolve = undefined;
  if (resolve !== undefined) {
    resolve(status === 'succeeded' ? (value as O) : new Rejection(error as Error));
  }
}
