import { priorityName, type TaskResult } from '../index';
import type { InputTask } from './jsonl';

/* The lines `run` writes: a result per ended task, and an input line per task that did not end. */

/** One output line: the task's result as JSON. */
export function resultLine(result: TaskResult<unknown, unknown>): string {
  const base = {
    id: result.task.id,
    status: result.status,
    ...(result.status === 'succeeded'
      ? { value: result.value }
      : { error: { name: result.error?.name, message: result.error?.message } }),
    attempts: result.attempts,
    waitMs: round(result.waitMs),
    runMs: round(result.runMs),
    priority: priorityName(result.task.priority),
    ...(result.task.key === undefined ? {} : { key: result.task.key }),
    ...(result.task.weight === undefined ? {} : { weight: result.task.weight }),
  };
  try {
    return JSON.stringify(base);
  } catch (error) {
    // A value JSON cannot hold that no handler wrapper could check (a batch on threads): the
    // line says so rather than ending the run.
    const { value: _value, ...rest } = base as typeof base & { value?: unknown };
    return JSON.stringify({
      ...rest,
      status: 'failed',
      error: {
        name: 'NonRetryableError',
        message: `the handler's value cannot be written as JSON: ${(error as Error).message}`,
      },
    });
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** An input line for `--remaining`: feedable back as `--input`, with its id. */
export const remainingLine = ({ id, input, priority, key, weight }: InputTask): string =>
  JSON.stringify({ id, input, priority: priorityName(priority), key, weight });
