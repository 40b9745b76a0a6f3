import { expect } from 'chai';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import { MetricsRecorder } from '../../lib/metrics/metrics-recorder';
import { Priority } from '../../lib/task/priority';
import type { Handler } from '../../lib/task/task';
import { AttemptRunner } from '../../lib/pool/attempt-runner';
import { Attempt, Outcome, PoolTask } from '../../lib/pool/pool-task';
import { silent } from '../support/pool-fixtures';
import { taskSettings } from '../support/task-fixtures';

/** A runner on virtual time whose host records what it is told. */
function runnerFor(
  handler: Handler<number, number>,
  options: { timeoutMs?: number; abortGraceMs?: number } = {},
) {
  const scheduler = new VirtualTimeScheduler();
  const released: Attempt<number, number>[] = [];
  let abandoned = 0;
  const metrics = new MetricsRecorder();
  const runner = new AttemptRunner<number, number>({
    host: {
      now: () => scheduler.now(),
      release: (attempt) => released.push(attempt),
      abandoned: (delta) => (abandoned += delta),
    },
    metrics,
    scheduler,
    abortGraceMs: options.abortGraceMs ?? 100,
    logger: silent,
  });
  const start = (input: number): Attempt<number, number> => {
    const task = new PoolTask<number, number>(
      1,
      input,
      Priority.NORMAL,
      0,
      taskSettings(handler, options.timeoutMs),
    );
    const attempt = new Attempt(task, 1, scheduler.now(), undefined);
    runner.run(attempt, scheduler.now(), undefined);
    return attempt;
  };
  return { scheduler, runner, released, metrics, start, abandoned: () => abandoned };
}

describe('AttemptRunner', () => {
  it('settles a synchronous handler at once and frees its slot once', () => {
    const { released, start } = runnerFor((n) => n * 2);
    const attempt = start(21);
    expect(attempt.outcome).to.equal(Outcome.Succeeded);
    expect(attempt.result).to.equal(42);
    expect(released).to.deep.equal([attempt]);
  });

  it('takes the last value of an Observable handler', () => {
    const values = new Subject<number>();
    const { released, start } = runnerFor(() => values);
    const attempt = start(1);
    values.next(1);
    values.next(2);
    expect(released).to.have.length(0);
    values.complete();
    expect(attempt.result).to.equal(2);
    expect(released).to.have.length(1);
  });

  it('times out an attempt: the outcome is decided, the slot waits for the handler to settle', () => {
    let settle: (value: number) => void = () => undefined;
    const { scheduler, released, metrics, start } = runnerFor(
      () => new Promise<number>((resolve) => (settle = resolve)),
      { timeoutMs: 50, abortGraceMs: 1_000 },
    );
    const attempt = start(1);
    scheduler.flush();
    // The timeout fired at 50 and the grace ran out at 1050: the slot was freed then.
    expect(metrics.timeouts).to.equal(1);
    expect(attempt.outcome).to.equal(Outcome.Failed);
    expect(attempt.result).to.be.instanceOf(TaskTimeoutError);
    expect(attempt.signal.aborted).to.equal(true);
    expect(released).to.deep.equal([attempt]);
    settle(5);
    expect(attempt.result).to.be.instanceOf(TaskTimeoutError); // a late value changes nothing
  });

  it('gives up on a handler that ignores its abort after the grace, and counts it while it runs', async () => {
    let settle: (value: number) => void = () => undefined;
    const { scheduler, runner, released, start, abandoned } = runnerFor(
      () => new Promise<number>((resolve) => (settle = resolve)),
      { abortGraceMs: 200 },
    );
    const attempt = start(1);
    runner.abort(attempt, Outcome.Cancelled, new Error('stop'));
    expect(released).to.have.length(0);
    scheduler.flush();
    expect(released).to.deep.equal([attempt]);
    expect(attempt.abandoned).to.equal(true);
    expect(abandoned()).to.equal(1);
    settle(1);
    await Promise.resolve();
    expect(abandoned()).to.equal(0);
    expect(released).to.have.length(1);
  });

  it('a handler that throws synchronously fails its attempt', () => {
    const boom = new Error('boom');
    const { released, start } = runnerFor(() => {
      throw boom;
    });
    const attempt = start(1);
    expect(attempt.outcome).to.equal(Outcome.Failed);
    expect(attempt.result).to.equal(boom);
    expect(released).to.have.length(1);
  });
});
