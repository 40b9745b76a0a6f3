import { expect } from 'chai';
import { LatencyPolicy } from '../../lib/scaling/latency-policy';
import { policyFrom } from '../../lib/scaling/policy-from';
import { ResourcePolicy } from '../../lib/scaling/resource-policy';
import type { ScalingPolicy } from '../../lib/scaling/scaling-policy';

describe('policyFrom', () => {
  const custom: ScalingPolicy = {
    name: 'custom',
    next: (s) => ({ limit: s.limit, reason: 'hold' }),
  };

  it("defaults to 'resource', configured from the autoscale options", () => {
    const [policy] = policyFrom(undefined, {
      targetCpuPercent: 60,
      maxRssBytes: 1000,
      maxEventLoopDelayMs: 50,
      step: 2,
    });
    expect(policy).to.be.instanceOf(ResourcePolicy);
    expect(policy).to.include({
      targetCpuPercent: 60,
      maxRssBytes: 1000,
      maxEventLoopDelayMs: 50,
      step: 2,
    });
  });

  it('maps names, keeps custom policies, and takes a list in order', () => {
    expect(policyFrom('latency')[0]).to.be.instanceOf(LatencyPolicy);
    expect(policyFrom(custom)).to.deep.equal([custom]);
    expect(policyFrom(['resource', custom, 'latency']).map((p) => p.name)).to.deep.equal([
      'resource',
      'custom',
      'latency',
    ]);
  });

  it('refuses unknown entries and an empty list, naming the path', () => {
    expect(() => policyFrom('fast' as 'latency')).to.throw(
      TypeError,
      "Expected `autoscale.policy` to be 'resource', 'latency' or a ScalingPolicy, got `fast` (string)",
    );
    expect(() => policyFrom(['latency', 7 as unknown as 'latency'])).to.throw(
      TypeError,
      '`autoscale.policy[1]`',
    );
    expect(() => policyFrom([])).to.throw(TypeError, 'at least one policy');
  });
});
