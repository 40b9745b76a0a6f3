import { expect } from 'chai';
import { HALT_MIN_ENDED, haltReached, parseHaltOn } from '../../lib/cli/halt-policy';

describe('cli/halt-policy', () => {
  it('parses fail=N and fail=P%, refusing anything else', () => {
    expect(parseHaltOn('fail=5')).to.deep.equal({ text: 'fail=5', count: 5 });
    expect(parseHaltOn('fail=12.5%')).to.deep.equal({ text: 'fail=12.5%', percent: 12.5 });
    for (const bad of ['fail=0', 'fail=1.5', 'fail=0%', 'fail=101%', 'done=3', '5']) {
      expect(() => parseHaltOn(bad), bad).to.throw(/expected fail=N/);
    }
  });

  it('a count halts at N failed tasks', () => {
    const policy = parseHaltOn('fail=3');
    expect(haltReached(policy, 2, 100)).to.equal(false);
    expect(haltReached(policy, 3, 3)).to.equal(true);
  });

  it('a percentage halts only from 20 ended tasks on', () => {
    const policy = parseHaltOn('fail=50%');
    expect(haltReached(policy, 5, 5)).to.equal(false);
    expect(haltReached(policy, 9, HALT_MIN_ENDED)).to.equal(false);
    expect(haltReached(policy, 10, HALT_MIN_ENDED)).to.equal(true);
  });
});
