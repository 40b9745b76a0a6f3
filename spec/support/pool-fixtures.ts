import { expect } from 'chai';
import pino from 'pino';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { WorkerPool } from '../../lib/pool/worker-pool';
import type { WorkerPoolOptions } from '../../lib/pool/options';
import type { TaskResult } from '../../lib/task/task';

/** A logger that writes nothing, for specs. */
export const silent = pino({ level: 'silent' });

/** A TestScheduler asserting with chai's deep equality. */
export function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

/** A pool on the given scheduler with a silent logger. */
export function poolOn<I, O>(
  scheduler: TestScheduler,
  options: WorkerPoolOptions<I, O>,
): WorkerPool<I, O> {
  return new WorkerPool<I, O>({ logger: silent, scheduler, ...options });
}

/** `frame:input:status` per result, recorded on the scheduler's clock. */
export function recordResults<I, O>(
  scheduler: TestScheduler,
  results$: Observable<TaskResult<I, O>>,
  show: (result: TaskResult<I, O>) => string = (r) => `${String(r.task.input)}:${r.status}`,
): string[] {
  const seen: string[] = [];
  results$.subscribe((result) => seen.push(`${scheduler.now()}:${show(result)}`));
  return seen;
}
