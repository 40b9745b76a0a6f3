import { expect } from 'chai';
import { RandomBackoff } from '../../lib/backoff/random-backoff';

const fixed = (value: number) => (): number => value;

describe('RandomBackoff', () => {
  it('is uniform in [initialMs, maxMs]', () => {
    const at = (r: number): number =>
      new RandomBackoff({ initialMs: 100, maxMs: 300, random: fixed(r) }).delayMs(1);
    expect(at(0)).to.equal(100);
    expect(at(0.5)).to.equal(200);
    expect(at(0.999)).to.be.closeTo(299.8, 1e-9);
  });

  it('does not depend on the attempt', () => {
    const backoff = new RandomBackoff({ initialMs: 0, maxMs: 1000, random: fixed(0.25) });
    expect([1, 2, 50].map((n) => backoff.delayMs(n))).to.deep.equal([250, 250, 250]);
  });

  it('never exceeds maxMs, even with a random source returning 1', () => {
    expect(new RandomBackoff({ initialMs: 0, maxMs: 10, random: fixed(1.5) }).delayMs(1)).to.equal(
      10,
    );
  });

  it('defaults to [100, 30000]', () => {
    expect(new RandomBackoff({ random: fixed(0) }).delayMs(1)).to.equal(100);
    expect(new RandomBackoff({ random: fixed(1) }).delayMs(1)).to.equal(30_000);
  });

  it('validates its options', () => {
    expect(() => new RandomBackoff({ initialMs: 500, maxMs: 100 })).to.throw(
      TypeError,
      'Expected `maxMs` to be a number from `initialMs` (500) to 2147483647, got `100` (number)',
    );
    expect(() => new RandomBackoff({ initialMs: -1 })).to.throw(
      'Expected `initialMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
  });
});
