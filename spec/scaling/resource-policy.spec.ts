import { expect } from 'chai';
import { ResourcePolicy } from '../../lib/scaling/resource-policy';
import type { ScalingSignals } from '../../lib/scaling/scaling-policy';
import { ZERO_USAGE, type ProcessUsage } from '../../lib/scaling/usage-source';

function signals(
  overrides: Partial<Omit<ScalingSignals, 'usage'>> & { usage?: Partial<ProcessUsage> } = {},
): ScalingSignals {
  const { usage, ...rest } = overrides;
  return {
    limit: 4,
    min: 1,
    max: 16,
    active: 4,
    queued: 3,
    usage: { ...ZERO_USAGE, cpuPercent: 20, ...usage },
    completed: 0,
    failed: 0,
    timeouts: 0,
    meanRunMs: NaN,
    now: 0,
    ...rest,
  };
}

describe('ResourcePolicy', () => {
  const policy = new ResourcePolicy({ maxRssBytes: 512 * 2 ** 20 });

  it('grows by step while work waits, every slot is busy and CPU is below target', () => {
    expect(policy.next(signals())).to.deep.equal({
      limit: 5,
      reason: 'backlog 3, 4/4 slots busy, cpu 20.0% < 75%: +1',
    });
    expect(new ResourcePolicy({ step: 3 }).next(signals()).limit).to.equal(7);
  });

  it('holds without a backlog, with free slots, or at the CPU target', () => {
    expect(policy.next(signals({ queued: 0 }))).to.deep.equal({
      limit: 4,
      reason: 'no backlog, cpu 20.0%: hold',
    });
    expect(policy.next(signals({ active: 2 }))).to.deep.equal({
      limit: 4,
      reason: '2/4 slots busy, cpu 20.0%: hold',
    });
    expect(policy.next(signals({ usage: { cpuPercent: 75 } }))).to.deep.equal({
      limit: 4,
      reason: 'backlog 3, cpu 75.0%: hold',
    });
  });

  it('shrinks by step when CPU is above target, even with a backlog', () => {
    expect(policy.next(signals({ usage: { cpuPercent: 80.25 } }))).to.deep.equal({
      limit: 3,
      reason: 'cpu 80.3% > 75%: -1',
    });
    expect(
      new ResourcePolicy({ targetCpuPercent: 50, step: 2 }).next(
        signals({ usage: { cpuPercent: 60 } }),
      ).limit,
    ).to.equal(2);
  });

  it('shrinks when RSS or the event-loop delay is above its bound, naming every bound exceeded', () => {
    expect(policy.next(signals({ usage: { rssBytes: 600 * 2 ** 20 } }))).to.deep.equal({
      limit: 3,
      reason: 'rss 600.0 MB > 512.0 MB: -1',
    });
    expect(policy.next(signals({ usage: { eventLoopDelayMs: 150 } }))).to.deep.equal({
      limit: 3,
      reason: 'event-loop delay 150.0 ms > 100 ms: -1',
    });
    expect(
      policy.next(signals({ usage: { cpuPercent: 99, rssBytes: 2 ** 30, eventLoopDelayMs: 101 } }))
        .reason,
    ).to.equal('cpu 99.0% > 75%, rss 1024.0 MB > 512.0 MB, event-loop delay 101.0 ms > 100 ms: -1');
  });

  it('has no RSS bound by default', () => {
    expect(new ResourcePolicy().next(signals({ usage: { rssBytes: 2 ** 40 } })).limit).to.equal(5);
  });

  it('refuses bad options, naming them', () => {
    expect(() => new ResourcePolicy({ targetCpuPercent: 0 })).to.throw(
      TypeError,
      'Expected `targetCpuPercent` to be a number above 0, got `0` (number)',
    );
    expect(() => new ResourcePolicy({ step: -1 })).to.throw(TypeError, '`step`');
    expect(() => new ResourcePolicy({ maxRssBytes: Number.NaN })).to.throw(
      TypeError,
      '`maxRssBytes`',
    );
  });
});
