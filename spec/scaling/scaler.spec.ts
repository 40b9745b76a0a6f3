import { expect } from 'chai';
import pino, { type Logger } from 'pino';
import { BehaviorSubject, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import type { AutoscaleOptions } from '../../lib/scaling/autoscale-options';
import { Scaler } from '../../lib/scaling/scaler';
import type { ScalingPolicy, ScalingSignals } from '../../lib/scaling/scaling-policy';
import {
  ScriptedUsageSource,
  ZERO_USAGE,
  type ProcessUsage,
  type UsageSource,
} from '../../lib/scaling/usage-source';
import type { TaskResult } from '../../lib/task/task';
import { newTestScheduler } from '../support/pool-fixtures';
import { ManualSource, advanceTo, settle } from '../support/usage-fixtures';

interface Fixture {
  scheduler: TestScheduler;
  scaler: Scaler;
  limit$: BehaviorSubject<number>;
  results$: Subject<TaskResult<unknown, unknown>>;
  /** Every limit seen on limit$, as [frame, limit]. */
  limits: [number, number][];
  /** Every log line at debug and above. */
  logs: Record<string, unknown>[];
  state: { active: number | undefined; queued: number };
}

function setup(
  options: AutoscaleOptions,
  usage: UsageSource,
  range: { min?: number; max?: number; initial?: number } = {},
): Fixture {
  const scheduler = newTestScheduler();
  const limit$ = new BehaviorSubject(range.initial ?? 1);
  const results$ = new Subject<TaskResult<unknown, unknown>>();
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino(
    { level: 'debug', base: undefined, timestamp: false },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  // `active: undefined` means "every slot busy": active follows the limit.
  const state: Fixture['state'] = { active: undefined, queued: 10 };
  const scaler = new Scaler(options, {
    scheduler,
    usage,
    limit$,
    min: range.min ?? 1,
    max: range.max ?? 100,
    logger,
    signals: () => ({ active: state.active ?? limit$.value, queued: state.queued }),
    results$,
  });
  const limits: [number, number][] = [];
  limit$.subscribe((limit) => limits.push([scheduler.now(), limit]));
  return { scheduler, scaler, limit$, results$, limits, logs, state };
}

const cpu = (...percents: number[]): Partial<ProcessUsage>[] =>
  percents.map((cpuPercent) => ({ cpuPercent }));

function result(
  runMs: number,
  extra: Partial<TaskResult<unknown, unknown>> = {},
): TaskResult<unknown, unknown> {
  return {
    task: { id: 't', input: undefined, priority: 1, submittedAt: 0 },
    status: 'succeeded',
    attempts: 1,
    waitMs: 0,
    runMs,
    ...extra,
  } as TaskResult<unknown, unknown>;
}

/** A policy that records what it sees and answers a scripted limit (or holds). */
function spyPolicy(
  name: string,
  answer?: (signals: ScalingSignals) => number,
): ScalingPolicy & { seen: ScalingSignals[] } {
  const seen: ScalingSignals[] = [];
  return {
    name,
    seen,
    next(signals) {
      seen.push(signals);
      return { limit: answer ? answer(signals) : signals.limit, reason: `${name} says so` };
    },
  };
}

describe('Scaler', () => {
  it('turns scripted CPU readings into the exact limits expected (resource policy)', async () => {
    const f = setup({}, new ScriptedUsageSource(cpu(10, 10, 10, 90, 90, 50, 75)));
    f.scaler.start();
    await advanceTo(f.scheduler, 7000);
    expect(f.limits).to.deep.equal([
      [0, 1],
      [1000, 2],
      [2000, 3],
      [3000, 4],
      [4000, 3],
      [5000, 2],
      [6000, 3],
    ]);
    expect(f.scaler.changes).to.equal(6);
    f.scaler.stop();
  });

  it('holds when there is no backlog or free slots remain', async () => {
    const f = setup({}, new ScriptedUsageSource(cpu(10)), { initial: 4 });
    f.state.queued = 0;
    f.scaler.start();
    await advanceTo(f.scheduler, 2000);
    f.state.queued = 5;
    f.state.active = 3;
    await advanceTo(f.scheduler, 4000);
    expect(f.limits).to.deep.equal([[0, 4]]);
    f.state.active = 4;
    await advanceTo(f.scheduler, 5000);
    expect(f.limits).to.deep.equal([
      [0, 4],
      [5000, 5],
    ]);
    f.scaler.stop();
  });

  it('never goes outside min..max', async () => {
    const f = setup({ step: 5 }, new ScriptedUsageSource(cpu(10, 10, 10, 95, 95, 95)), {
      min: 2,
      max: 8,
      initial: 4,
    });
    f.scaler.start();
    await advanceTo(f.scheduler, 8000);
    expect(f.limits).to.deep.equal([
      [0, 4],
      [1000, 8],
      [4000, 3],
      [5000, 2],
    ]);
    f.scaler.stop();
  });

  it('waits out the cooldown between two changes', async () => {
    const f = setup({ cooldownMs: 2500 }, new ScriptedUsageSource(cpu(10)));
    f.scaler.start();
    await advanceTo(f.scheduler, 8000);
    expect(f.limits).to.deep.equal([
      [0, 1],
      [1000, 2],
      [4000, 3],
      [7000, 4],
    ]);
    f.scaler.stop();
  });

  it('ticks every intervalMs', async () => {
    const source = new ScriptedUsageSource(cpu(10));
    const f = setup({ intervalMs: 250 }, source);
    f.scaler.start();
    await advanceTo(f.scheduler, 1000);
    expect(f.limits.map(([frame]) => frame)).to.deep.equal([0, 250, 500, 750, 1000]);
    expect(source.calls).to.equal(4);
    f.scaler.stop();
  });

  it('changes nothing while pinned, but keeps observing, and moves again after resume()', async () => {
    const policy = spyPolicy('up', (s) => s.limit + 1);
    const f = setup({ policy }, new ScriptedUsageSource(cpu(10)));
    f.scaler.start();
    await advanceTo(f.scheduler, 1000);
    f.scaler.pin();
    f.limit$.next(10); // what setConcurrency() does next to pin()
    expect(f.scaler.pinned).to.equal(true);
    await advanceTo(f.scheduler, 4000);
    expect(policy.seen).to.have.length(4);
    expect(f.limits).to.deep.equal([
      [0, 1],
      [1000, 2],
      [1000, 10],
    ]);
    f.scaler.resume();
    expect(f.scaler.pinned).to.equal(false);
    await advanceTo(f.scheduler, 5000);
    expect(f.limits.at(-1)).to.deep.equal([5000, 11]);
    expect(f.scaler.changes).to.equal(2);
    f.scaler.stop();
  });

  it('takes the lowest limit of several policies and logs the change with its reason', async () => {
    const f = setup(
      {
        policy: [spyPolicy('high', () => 9), spyPolicy('low', () => 3), spyPolicy('mid', () => 5)],
      },
      new ScriptedUsageSource(),
    );
    f.scaler.start();
    await advanceTo(f.scheduler, 2000);
    expect(f.limits).to.deep.equal([
      [0, 1],
      [1000, 3],
    ]);
    expect(f.logs.filter((line) => line.msg === 'autoscale')).to.deep.equal([
      {
        level: 20,
        concurrency: 3,
        previous: 1,
        reason: 'low says so',
        policy: 'low',
        msg: 'autoscale',
      },
    ]);
    f.scaler.stop();
  });

  it('sums up the attempts that ended since the previous tick', async () => {
    const policy = spyPolicy('spy');
    const f = setup({ policy }, new ScriptedUsageSource(cpu(33)));
    f.scaler.start();
    f.results$.next(result(100));
    f.results$.next(
      result(600, {
        status: 'failed',
        attempts: 3,
        error: new TaskTimeoutError(200),
        errors: [new Error('boom'), new TaskTimeoutError(200), new TaskTimeoutError(200)],
      }),
    );
    f.results$.next(result(0, { status: 'cancelled', attempts: 0 }));
    f.results$.next(result(50, { status: 'cancelled', attempts: 1 }));
    f.results$.next(result(0, { status: 'rejected', attempts: 0 }));
    await advanceTo(f.scheduler, 1000);
    f.state.queued = 2;
    f.state.active = 1;
    await advanceTo(f.scheduler, 2000);
    expect(policy.seen).to.have.length(2);
    const [first, second] = policy.seen;
    expect(first).to.deep.include({ limit: 1, min: 1, max: 100, active: 1, queued: 10, now: 1000 });
    expect(first).to.deep.include({ completed: 4, failed: 3, timeouts: 2, meanRunMs: 175 });
    expect(first.usage).to.deep.equal({ ...ZERO_USAGE, cpuPercent: 33 });
    expect(second).to.deep.include({
      active: 1,
      queued: 2,
      completed: 0,
      failed: 0,
      timeouts: 0,
      now: 2000,
    });
    expect(second.meanRunMs).to.be.NaN;
    f.scaler.stop();
  });

  it("with policy 'latency', grows while run latency holds and backs off when timeouts appear", async () => {
    const f = setup({ policy: 'latency' }, new ScriptedUsageSource());
    f.scaler.start();
    for (let second = 1; second <= 3; second++) {
      f.results$.next(result(100));
      await advanceTo(f.scheduler, second * 1000);
    }
    expect(f.limits.map(([, limit]) => limit)).to.deep.equal([1, 2, 4, 8]);
    f.results$.next(
      result(300, {
        status: 'failed',
        error: new TaskTimeoutError(300),
        errors: [new TaskTimeoutError(300)],
      }),
    );
    await advanceTo(f.scheduler, 4000);
    expect(f.limits.at(-1)).to.deep.equal([4000, 7]);
    f.scaler.stop();
  });

  it('skips the ticks that come while a sample is pending, never queues them', async () => {
    const source = new ManualSource();
    const policy = spyPolicy('up', (s) => s.limit + 1);
    const f = setup({ policy }, source);
    f.scaler.start();
    await advanceTo(f.scheduler, 3500);
    expect(source.pending).to.have.length(1);
    source.pending[0].resolve({ ...ZERO_USAGE });
    await settle();
    expect(f.limits).to.deep.equal([
      [0, 1],
      [3000, 2],
    ]);
    await advanceTo(f.scheduler, 4000);
    expect(source.pending).to.have.length(2);
    source.pending[1].resolve({ ...ZERO_USAGE });
    await settle();
    expect(policy.seen).to.have.length(2);
    expect(f.limits.at(-1)).to.deep.equal([4000, 3]);
    f.scaler.stop();
  });

  it('logs a failed sample and goes on at the next tick', async () => {
    const source = new ManualSource();
    const policy = spyPolicy('up', (s) => s.limit + 1);
    const f = setup({ policy }, source);
    f.scaler.start();
    await advanceTo(f.scheduler, 1000);
    source.pending[0].reject(new Error('no /proc'));
    await advanceTo(f.scheduler, 2000);
    source.pending[1].resolve({ ...ZERO_USAGE });
    await settle();
    expect(policy.seen).to.have.length(1);
    expect(f.limits).to.deep.equal([
      [0, 1],
      [2000, 2],
    ]);
    expect(
      f.logs.some((line) => line.level === 40 && String(line.msg).includes('usage sample failed')),
    ).to.equal(true);
    f.scaler.stop();
  });

  it('ignores a policy that throws or answers NaN', async () => {
    const broken: ScalingPolicy = {
      name: 'broken',
      next: () => {
        throw new Error('bug');
      },
    };
    const f = setup(
      { policy: [broken, spyPolicy('nan', () => NaN), spyPolicy('up', () => 4)] },
      new ScriptedUsageSource(),
    );
    f.scaler.start();
    await advanceTo(f.scheduler, 1000);
    expect(f.limit$.value).to.equal(4);
    expect(f.logs.some((line) => line.level === 50 && line.policy === 'broken')).to.equal(true);
    f.scaler.stop();
  });

  it('decides at the tick itself when the source answers synchronously', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limit$ = new BehaviorSubject(1);
      const readings = [10, 10, 90, 10];
      let i = 0;
      // Against its type, a custom source may return a plain reading.
      const usage = {
        sample: () => ({ ...ZERO_USAGE, cpuPercent: readings[Math.min(i++, 3)] }),
      } as unknown as UsageSource;
      const scaler = new Scaler(
        { intervalMs: 10 },
        {
          scheduler,
          usage,
          limit$,
          min: 1,
          max: 3,
          logger: pino({ level: 'silent' }),
          signals: () => ({ active: limit$.value, queued: 1 }),
          results$: new Subject<TaskResult<unknown, unknown>>(),
        },
      );
      scaler.start();
      scheduler.schedule(() => scaler.stop(), 55);
      expectObservable(limit$, '^ 60ms !').toBe('a 9ms b 9ms c 9ms b 9ms c', { a: 1, b: 2, c: 3 });
    });
  });

  it('stop() unsubscribes from the clock and the results', async () => {
    const source = new ScriptedUsageSource(cpu(10));
    const f = setup({}, source);
    f.scaler.start();
    f.scaler.start(); // a second start does nothing
    expect(f.results$.observed).to.equal(true);
    await advanceTo(f.scheduler, 1000);
    f.scaler.stop();
    expect(f.results$.observed).to.equal(false);
    expect(f.scheduler.actions).to.have.length(0);
    await advanceTo(f.scheduler, 5000);
    expect(source.calls).to.equal(1);
    expect(f.limits).to.deep.equal([
      [0, 1],
      [1000, 2],
    ]);
  });

  it('throws on bad options, naming them', () => {
    const host = setup({}, new ScriptedUsageSource());
    const build = (options: AutoscaleOptions) => () =>
      new Scaler(options, {
        scheduler: host.scheduler,
        usage: new ScriptedUsageSource(),
        limit$: host.limit$,
        min: 1,
        max: 2,
        logger: pino({ level: 'silent' }),
        signals: () => ({ active: 0, queued: 0 }),
        results$: host.results$,
      });
    expect(build({ intervalMs: 0 })).to.throw(
      TypeError,
      '`autoscale.intervalMs` to be a number of ms above 0, at most 2147483647, got `0`',
    );
    expect(build({ cooldownMs: -1 })).to.throw(TypeError, '`autoscale.cooldownMs`');
    expect(build({ policy: 'fast' as 'latency' })).to.throw(
      TypeError,
      "`autoscale.policy` to be 'resource', 'latency'",
    );
  });
});
