import { expect } from 'chai';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { BatchError } from '../../lib/errors/batch-error';
import { NonRetryableError } from '../../lib/errors/non-retryable-error';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import { MetricsRecorder } from '../../lib/metrics/metrics-recorder';
import { BatchItemFailure, type BatchFunction } from '../../lib/task/batch-handler';
import { Priority } from '../../lib/task/priority';
import { BatchRunner } from '../../lib/pool/batch-runner';
import { Attempt, Outcome, TaskState } from '../../lib/pool/pool-task';
import { TaskBatch } from '../../lib/pool/task-batch';
import { silent } from '../support/pool-fixtures';
import { poolTask, taskSettings } from '../support/task-fixtures';

type Run = BatchFunction<string, string>;

/** A runner on virtual time whose host records each item's end and the slot's release. */
function runnerFor(run: Run, abortGraceMs = 100) {
  const scheduler = new VirtualTimeScheduler();
  const ended: string[] = [];
  const slots: TaskBatch<string, string>[] = [];
  let abandoned = 0;
  const metrics = new MetricsRecorder();
  metrics.trackBatches();
  const runner = new BatchRunner<string, string>({
    host: {
      now: () => scheduler.now(),
      instruments: undefined,
      beginAttempt: (task, now) => {
        task.state = TaskState.Running;
        return (task.attempt = new Attempt(task, 1, now, undefined));
      },
      endAttempt: (attempt, now) => {
        const result =
          attempt.result instanceof Error ? attempt.result.name : String(attempt.result);
        ended.push(`${now}:${attempt.task.id}:${Outcome[attempt.outcome]}:${result}`);
      },
      releaseSlot: (batch) => slots.push(batch),
      abandoned: (delta) => (abandoned += delta),
    },
    settings: { run, maxSize: 10, maxWaitMs: 0 },
    metrics,
    scheduler,
    abortGraceMs,
    logger: silent,
  });
  const call = (...items: [string, number?][]): TaskBatch<string, string> => {
    const batch = new TaskBatch<string, string>(Priority.NORMAL);
    for (const [id, timeoutMs] of items) {
      const task = poolTask(id, { settings: taskSettings<string, string>(undefined, timeoutMs) });
      task.state = TaskState.Forming;
      batch.add(task);
    }
    runner.call(batch);
    return batch;
  };
  return { scheduler, runner, ended, slots, metrics, call, abandoned: () => abandoned };
}

const batchesOf = (metrics: MetricsRecorder) =>
  metrics.snapshot(
    {
      active: 0,
      abandoned: 0,
      queuedByPriority: [0, 0, 0, 0],
      concurrency: 1,
      system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 },
    },
    0,
  ).batches;

describe('BatchRunner', () => {
  it('gives each item its output, or its BatchItemFailure’s error, then frees the slot once', () => {
    const { ended, slots, metrics, call } = runnerFor((inputs) =>
      inputs.map((input) =>
        input === 'b' ? new BatchItemFailure(new RangeError('b')) : input + '!',
      ),
    );
    const batch = call(['a'], ['b'], ['c']);
    expect(ended).to.deep.equal(['0:a:Succeeded:a!', '0:b:Failed:RangeError', '0:c:Succeeded:c!']);
    expect(slots).to.deep.equal([batch]);
    expect(batchesOf(metrics)).to.deep.include({ count: 1, items: 3 });
  });

  it('a rejection fails every item with a BatchError whose cause it is; a final cause stays final', async () => {
    const cause = NonRetryableError.mark(new Error('bad credentials'));
    const { ended, call } = runnerFor(() => Promise.reject(cause));
    const batch = call(['a'], ['b']);
    await Promise.resolve();
    await Promise.resolve();
    expect(ended).to.deep.equal(['0:a:Failed:BatchError', '0:b:Failed:BatchError']);
    const error = batch.attempts[0].result as BatchError;
    expect(error.cause).to.equal(cause);
    expect(error.message).to.equal('The batch call of 2 items failed: bad credentials');
    expect(NonRetryableError.isMarked(error)).to.equal(true);
  });

  it('times out at the smallest timeoutMs of its items, each item counted', () => {
    const values = new Subject<string[]>();
    const { scheduler, ended, metrics, call } = runnerFor(() => values as never);
    const batch = call(['a', 30], ['b', 10], ['c']);
    scheduler.flush();
    expect(ended).to.deep.equal([
      '10:a:Failed:TaskTimeoutError',
      '10:b:Failed:TaskTimeoutError',
      '10:c:Failed:TaskTimeoutError',
    ]);
    expect((batch.attempts[0].result as TaskTimeoutError).timeoutMs).to.equal(10);
    expect(metrics.timeouts).to.equal(3);
    expect(values.observed).to.equal(false); // the Observable call was unsubscribed
  });

  it('a cancelled item ends at once; the call is aborted when the last one is cancelled', () => {
    let signal: AbortSignal | undefined;
    const { scheduler, runner, ended, slots, call } = runnerFor((_inputs, ctx) => {
      signal = ctx.signal;
      return new Promise<never>(() => undefined);
    }, 50);
    const batch = call(['a'], ['b']);
    runner.cancelItem(batch.attempts[0], new Error('cancel a'));
    expect(ended).to.deep.equal(['0:a:Cancelled:Error']);
    expect(signal?.aborted).to.equal(false);
    runner.cancelItem(batch.attempts[1], new Error('cancel b'));
    expect(signal?.aborted).to.equal(true);
    expect(slots).to.have.length(0); // the call still runs: its slot waits for the grace
    scheduler.flush();
    expect(slots).to.deep.equal([batch]);
  });

  it('a call with no items left (all cancelled while it formed) frees its slot without calling', () => {
    let calls = 0;
    const { slots, metrics, call } = runnerFor(() => {
      calls++;
      return [];
    });
    const empty = call();
    expect(calls).to.equal(0);
    expect(slots).to.deep.equal([empty]);
    expect(batchesOf(metrics)?.count).to.equal(0);
  });

  it('a call given up on after the grace is counted until it settles', async () => {
    let settle: (value: string[]) => void = () => undefined;
    const { scheduler, ended, abandoned, call } = runnerFor(
      () => new Promise<string[]>((resolve) => (settle = resolve)),
      20,
    );
    call(['a', 5]);
    scheduler.flush();
    // Decided at 5; the item ends with the slot, when the grace runs out.
    expect(ended).to.deep.equal(['25:a:Failed:TaskTimeoutError']);
    expect(abandoned()).to.equal(1);
    settle(['late']);
    await Promise.resolve();
    expect(abandoned()).to.equal(0);
    expect(ended).to.have.length(1);
  });
});
