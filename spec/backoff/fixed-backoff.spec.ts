import { expect } from 'chai';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';

const fixed = (value: number) => (): number => value;

describe('FixedBackoff', () => {
  it('waits initialMs before every retry', () => {
    const backoff = new FixedBackoff({ initialMs: 250 });
    expect([1, 2, 3, 100].map((n) => backoff.delayMs(n))).to.deep.equal([250, 250, 250, 250]);
  });

  it('defaults to 100 ms without jitter', () => {
    expect(new FixedBackoff({ random: fixed(0) }).delayMs(5)).to.equal(100);
  });

  it('applies full and equal jitter', () => {
    expect(new FixedBackoff({ jitter: 'full', random: fixed(0) }).delayMs(1)).to.equal(0);
    expect(new FixedBackoff({ jitter: 'full', random: fixed(0.5) }).delayMs(1)).to.equal(50);
    expect(new FixedBackoff({ jitter: 'full', random: fixed(0.999) }).delayMs(1)).to.be.closeTo(
      99.9,
      1e-9,
    );
    expect(new FixedBackoff({ jitter: 'equal', random: fixed(0) }).delayMs(1)).to.equal(50);
    expect(new FixedBackoff({ jitter: 'equal', random: fixed(0.5) }).delayMs(1)).to.equal(75);
  });

  it('applies decorrelated jitter in [initialMs, initialMs × 3], capped at maxMs', () => {
    const at = (r: number, maxMs = 30_000): number =>
      new FixedBackoff({ jitter: 'decorrelated', maxMs, random: fixed(r) }).delayMs(4);
    expect(at(0)).to.equal(100);
    expect(at(0.5)).to.equal(200);
    expect(at(0.999, 250)).to.equal(250);
  });

  it('caps at maxMs after jitter', () => {
    expect(
      new FixedBackoff({ initialMs: 100, maxMs: 120, jitter: (d) => d * 2 }).delayMs(1),
    ).to.equal(120);
  });

  it('validates its options', () => {
    expect(() => new FixedBackoff({ initialMs: -1 })).to.throw(
      TypeError,
      'Expected `initialMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
    expect(() => new FixedBackoff({ jitter: 'some' as 'none' })).to.throw(
      "Expected `jitter` to be one of 'none' | 'full' | 'equal' | 'decorrelated' or a function, got `some` (string)",
    );
  });
});
