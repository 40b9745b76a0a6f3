import { expect } from 'chai';
import { LatencyPolicy } from '../../lib/scaling/latency-policy';
import type { ScalingSignals } from '../../lib/scaling/scaling-policy';
import { ZERO_USAGE } from '../../lib/scaling/usage-source';

function signals(overrides: Partial<ScalingSignals> = {}): ScalingSignals {
  return {
    limit: 1,
    min: 1,
    max: 256,
    active: overrides.limit ?? 1,
    queued: 50,
    usage: { ...ZERO_USAGE },
    completed: 20,
    failed: 0,
    timeouts: 0,
    meanRunMs: 100,
    now: 0,
    ...overrides,
  };
}

/** Feeds the policy one tick per latency, applying each answer as the next limit. */
function drive(
  policy: LatencyPolicy,
  start: number,
  latencies: number[],
  extra: Partial<ScalingSignals> = {},
): number[] {
  const limits: number[] = [];
  let limit = start;
  for (const meanRunMs of latencies) {
    limit = policy.next(signals({ limit, meanRunMs, ...extra })).limit;
    limits.push(limit);
  }
  return limits;
}

describe('LatencyPolicy', () => {
  it('doubles while latency holds (slow start), then follows the gradient once it rises', () => {
    const policy = new LatencyPolicy();
    expect(drive(policy, 1, [100, 100, 100, 105])).to.deep.equal([2, 4, 8, 16]);
    // The minimum, drifted up by 0.001 of the 5 ms rise.
    expect(policy.baselineMs).to.be.closeTo(100.005, 1e-9);
    // 200 ms > 1.1 × baseline: slow start ends; gradient = 1.25 × baseline / 200.
    const decision = policy.next(signals({ limit: 16, meanRunMs: 200 }));
    const baseline = 100.005 + (200 - 100.005) * 0.001;
    expect(policy.baselineMs).to.be.closeTo(baseline, 1e-9);
    const gradient = (1.25 * baseline) / 200;
    expect(policy.estimate).to.be.closeTo(0.8 * 16 + 0.2 * (16 * gradient + 4), 1e-9);
    expect(decision.limit).to.equal(16);
    expect(decision.reason).to.equal('latency 200.0 ms vs baseline 100.1 ms, gradient 0.63');
  });

  it('grows by smoothing × sqrt(limit) per tick while latency holds', () => {
    const policy = new LatencyPolicy({ slowStart: false });
    expect(drive(policy, 16, [100, 100, 100])).to.deep.equal([17, 18, 18]);
    const e1 = 16 + 0.2 * 4;
    const e2 = e1 + 0.2 * Math.sqrt(e1);
    expect(policy.estimate).to.be.closeTo(e2 + 0.2 * Math.sqrt(e2), 1e-9);
  });

  it('tolerates a rise up to `tolerance × baseline` and shrinks beyond it', () => {
    const policy = new LatencyPolicy({ slowStart: false, baselineDecay: 0 });
    drive(policy, 40, [100]);
    expect(drive(policy, 41, [125])[0]).to.be.greaterThan(41);
    const shrinking = drive(policy, 42, [250, 250, 250, 250, 250, 250]);
    for (let i = 1; i < shrinking.length; i++) expect(shrinking[i]).to.be.at.most(shrinking[i - 1]);
    expect(shrinking).to.deep.equal([39, 36, 34, 32, 30, 28]);
  });

  it('settles where latency is tolerance × baseline plus the queue allowance', () => {
    // A downstream of capacity 20: latency = 100 ms × max(1, limit / 20).
    const policy = new LatencyPolicy({ baselineDecay: 0 });
    let limit = 1;
    for (let tick = 0; tick < 60; tick++) {
      limit = policy.next(signals({ limit, meanRunMs: 100 * Math.max(1, limit / 20) })).limit;
    }
    // Fixed point of L = 1.25 × 20 + sqrt(L): about 30.5; the limit in force is rounded.
    expect(limit).to.be.within(30, 31);
  });

  it('backs off by backoffRatio when too many attempts fail or time out', () => {
    const policy = new LatencyPolicy();
    const timedOut = policy.next(signals({ limit: 20, completed: 10, failed: 2, timeouts: 2 }));
    expect(timedOut).to.deep.equal({
      limit: 18,
      reason: '2/10 attempts failed (2 timed out): × 0.9',
    });
    expect(
      policy.next(signals({ limit: 18, completed: 10, failed: 1, timeouts: 0 })).limit,
    ).to.equal(16);
    // Slow start is over: a steady latency now grows the limit gently.
    expect(policy.next(signals({ limit: 16 })).limit).to.equal(17);
  });

  it('ignores errors at or below maxErrorRate', () => {
    const policy = new LatencyPolicy({ maxErrorRate: 0.1 });
    expect(policy.next(signals({ limit: 8, completed: 10, failed: 1 })).limit).to.equal(16);
  });

  it('never grows without a backlog, but still shrinks', () => {
    const policy = new LatencyPolicy();
    expect(policy.next(signals({ limit: 8, queued: 0 }))).to.deep.equal({
      limit: 8,
      reason: 'slow start, latency 100.0 ms vs baseline 100.0 ms, no backlog: hold',
    });
    const gradient = new LatencyPolicy({ slowStart: false });
    expect(drive(gradient, 8, [100, 100], { queued: 0 })).to.deep.equal([8, 8]);
    // Latency 4 × baseline: the gradient is at its floor of 0.5 and the limit comes down.
    expect(drive(gradient, 8, [400, 400, 400], { queued: 0 })).to.deep.equal([8, 8, 7]);
  });

  it('holds when no attempt ended', () => {
    const policy = new LatencyPolicy();
    expect(policy.next(signals({ limit: 5, completed: 0, meanRunMs: NaN }))).to.deep.equal({
      limit: 5,
      reason: 'no attempt ended: hold',
    });
    expect(policy.baselineMs).to.be.NaN;
  });

  it('starts again from the limit in force when someone else moved it', () => {
    const policy = new LatencyPolicy({ slowStart: false });
    drive(policy, 16, [100, 100]);
    expect(policy.next(signals({ limit: 4 })).limit).to.equal(4 + Math.round(0.2 * 2));
    expect(policy.estimate).to.be.closeTo(4.4, 1e-9);
  });

  it('keeps the minimum latency as baseline, drifting up by baselineDecay', () => {
    const policy = new LatencyPolicy({ baselineDecay: 0.5 });
    policy.next(signals({ meanRunMs: 200 }));
    policy.next(signals({ meanRunMs: 100 }));
    expect(policy.baselineMs).to.equal(100);
    policy.next(signals({ meanRunMs: 300 }));
    expect(policy.baselineMs).to.equal(200);
  });

  it('refuses bad options, naming them', () => {
    expect(() => new LatencyPolicy({ backoffRatio: 1 })).to.throw(
      TypeError,
      'Expected `backoffRatio` to be a number in (0, 1), got `1` (number)',
    );
    expect(() => new LatencyPolicy({ tolerance: 0.9 })).to.throw(TypeError, '`tolerance`');
    expect(() => new LatencyPolicy({ smoothing: 0 })).to.throw(TypeError, '`smoothing`');
    expect(() => new LatencyPolicy({ baselineDecay: 1 })).to.throw(TypeError, '`baselineDecay`');
    expect(() => new LatencyPolicy({ queueAllowance: 3 as unknown as () => number })).to.throw(
      TypeError,
      '`queueAllowance`',
    );
  });
});
