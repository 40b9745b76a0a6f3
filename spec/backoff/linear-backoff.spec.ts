import { expect } from 'chai';
import { LinearBackoff } from '../../lib/backoff/linear-backoff';

const fixed = (value: number) => (): number => value;

describe('LinearBackoff', () => {
  it('waits initialMs × attempt, without jitter by default', () => {
    const backoff = new LinearBackoff({ initialMs: 100, random: fixed(0) });
    expect([1, 2, 3, 4].map((n) => backoff.delayMs(n))).to.deep.equal([100, 200, 300, 400]);
  });

  it('defaults to 100 ms steps capped at 30 s', () => {
    const backoff = new LinearBackoff();
    expect(backoff.delayMs(2)).to.equal(200);
    expect(backoff.delayMs(1000)).to.equal(30_000);
  });

  it('caps at maxMs', () => {
    const backoff = new LinearBackoff({ initialMs: 100, maxMs: 250 });
    expect([1, 2, 3, 10].map((n) => backoff.delayMs(n))).to.deep.equal([100, 200, 250, 250]);
  });

  it('applies full and equal jitter', () => {
    expect(new LinearBackoff({ jitter: 'full', random: fixed(0) }).delayMs(3)).to.equal(0);
    expect(new LinearBackoff({ jitter: 'full', random: fixed(0.5) }).delayMs(3)).to.equal(150);
    expect(new LinearBackoff({ jitter: 'full', random: fixed(0.999) }).delayMs(3)).to.be.closeTo(
      299.7,
      1e-9,
    );
    expect(new LinearBackoff({ jitter: 'equal', random: fixed(0) }).delayMs(3)).to.equal(150);
    expect(new LinearBackoff({ jitter: 'equal', random: fixed(0.5) }).delayMs(3)).to.equal(225);
  });

  it('applies decorrelated jitter from the previous step', () => {
    // attempt 3: previous un-jittered is 200: [100, 600]
    const at = (r: number): number =>
      new LinearBackoff({ jitter: 'decorrelated', random: fixed(r) }).delayMs(3);
    expect(at(0)).to.equal(100);
    expect(at(0.5)).to.equal(350);
    expect(at(0.999)).to.be.closeTo(599.5, 1e-9);
  });

  it('caps after jitter too', () => {
    expect(new LinearBackoff({ maxMs: 150, jitter: () => 1e6 }).delayMs(1)).to.equal(150);
  });

  it('validates its options', () => {
    expect(() => new LinearBackoff({ initialMs: -1 })).to.throw(
      TypeError,
      'Expected `initialMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
    expect(() => new LinearBackoff({ maxMs: 'x' as unknown as number })).to.throw(
      'Expected `maxMs` to be a number from `initialMs` (100) to 2147483647, got `x` (string)',
    );
  });
});
