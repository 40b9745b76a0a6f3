import { expect } from 'chai';
import fc from 'fast-check';
import { ExponentialBackoff } from '../../lib/backoff/exponential-backoff';

const fixed = (value: number) => (): number => value;

describe('ExponentialBackoff', () => {
  it('defaults to 100 ms, factor 2, full jitter', () => {
    const backoff = new ExponentialBackoff({ random: fixed(0.5) });
    expect([1, 2, 3, 4].map((n) => backoff.delayMs(n))).to.deep.equal([50, 100, 200, 400]);
  });

  it('doubles from initialMs without jitter', () => {
    const backoff = new ExponentialBackoff({ initialMs: 100, jitter: 'none' });
    expect([1, 2, 3, 4, 5].map((n) => backoff.delayMs(n))).to.deep.equal([
      100, 200, 400, 800, 1600,
    ]);
  });

  it('uses the given factor', () => {
    const backoff = new ExponentialBackoff({ initialMs: 10, factor: 3, jitter: 'none' });
    expect([1, 2, 3].map((n) => backoff.delayMs(n))).to.deep.equal([10, 30, 90]);
  });

  it('caps at maxMs, 30 s by default', () => {
    const capped = new ExponentialBackoff({ initialMs: 100, maxMs: 500, jitter: 'none' });
    expect([3, 4, 50].map((n) => capped.delayMs(n))).to.deep.equal([400, 500, 500]);
    expect(new ExponentialBackoff({ jitter: 'none' }).delayMs(1000)).to.equal(30_000);
  });

  it('full jitter spans [0, delay]', () => {
    expect(new ExponentialBackoff({ random: fixed(0) }).delayMs(3)).to.equal(0);
    expect(new ExponentialBackoff({ random: fixed(0.999) }).delayMs(3)).to.be.closeTo(399.6, 1e-9);
  });

  it('equal jitter spans [delay / 2, delay]', () => {
    const at = (r: number): number =>
      new ExponentialBackoff({ jitter: 'equal', random: fixed(r) }).delayMs(3);
    expect(at(0)).to.equal(200);
    expect(at(0.5)).to.equal(300);
    expect(at(0.999)).to.be.closeTo(399.8, 1e-9);
  });

  it('decorrelated jitter spans [initialMs, previous un-jittered delay × 3]', () => {
    const at = (r: number, n: number): number =>
      new ExponentialBackoff({ jitter: 'decorrelated', random: fixed(r) }).delayMs(n);
    // attempt 1: previous is initialMs (100): [100, 300]
    expect(at(0, 1)).to.equal(100);
    expect(at(0.5, 1)).to.equal(200);
    // attempt 3: previous un-jittered is 200: [100, 600]
    expect(at(0.5, 3)).to.equal(350);
    expect(at(0.999, 3)).to.be.closeTo(599.5, 1e-9);
  });

  it('is stateless: the same attempt gives the same delay', () => {
    const backoff = new ExponentialBackoff({ jitter: 'decorrelated', random: fixed(0.5) });
    expect(backoff.delayMs(3)).to.equal(backoff.delayMs(3));
  });

  it('caps after jitter too', () => {
    const backoff = new ExponentialBackoff({ maxMs: 300, jitter: (d) => d * 10 });
    expect(backoff.delayMs(1)).to.equal(300);
  });

  it('passes the jitter its context', () => {
    const seen: unknown[] = [];
    const random = fixed(0.1);
    new ExponentialBackoff({
      initialMs: 10,
      maxMs: 1000,
      random,
      jitter: (d, ctx) => (seen.push({ d, ...ctx }), d),
    }).delayMs(3);
    expect(seen).to.deep.equal([
      { d: 40, attempt: 3, initialMs: 10, maxMs: 1000, previousMs: 20, random },
    ]);
  });

  it('treats an attempt below 1 as the first retry', () => {
    const backoff = new ExponentialBackoff({ jitter: 'none' });
    expect(backoff.delayMs(0)).to.equal(100);
  });

  it('stays within [0, maxMs] for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom('none', 'full', 'equal', 'decorrelated' as const),
        (attempt, r, jitter) => {
          const delay = new ExponentialBackoff({ maxMs: 5000, jitter, random: fixed(r) }).delayMs(
            attempt,
          );
          return delay >= 0 && delay <= 5000;
        },
      ),
    );
  });

  it('validates its options', () => {
    expect(() => new ExponentialBackoff({ initialMs: -1 })).to.throw(
      TypeError,
      'Expected `initialMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
    expect(() => new ExponentialBackoff({ factor: 0.5 })).to.throw(
      TypeError,
      'Expected `factor` to be a number >= 1, got `0.5` (number)',
    );
    expect(() => new ExponentialBackoff({ initialMs: 100, maxMs: 10 })).to.throw(
      'Expected `maxMs` to be a number from `initialMs` (100) to 2147483647, got `10` (number)',
    );
    expect(() => new ExponentialBackoff({ factor: NaN }, 'retry.backoff')).to.throw(
      'Expected `retry.backoff.factor` to be a number >= 1',
    );
  });
});
