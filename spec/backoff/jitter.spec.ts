import { expect } from 'chai';
import fc from 'fast-check';
import {
  applyJitter,
  decorrelatedJitter,
  equalJitter,
  fullJitter,
  jitterFrom,
  noJitter,
  type Jitter,
  type JitterContext,
} from '../../lib/backoff/jitter';

function ctx(random: number, overrides: Partial<JitterContext> = {}): JitterContext {
  return {
    attempt: 2,
    initialMs: 100,
    maxMs: 10_000,
    previousMs: 200,
    random: () => random,
    ...overrides,
  };
}

describe('jitter', () => {
  it('noJitter keeps the delay', () => {
    expect(noJitter(400, ctx(0.3))).to.equal(400);
  });

  it('fullJitter is uniform in [0, delay]', () => {
    expect(fullJitter(400, ctx(0))).to.equal(0);
    expect(fullJitter(400, ctx(0.5))).to.equal(200);
    expect(fullJitter(400, ctx(0.999))).to.be.closeTo(399.6, 1e-9);
  });

  it('equalJitter is delay / 2 plus uniform in [0, delay / 2]', () => {
    expect(equalJitter(400, ctx(0))).to.equal(200);
    expect(equalJitter(400, ctx(0.5))).to.equal(300);
    expect(equalJitter(400, ctx(0.999))).to.be.closeTo(399.8, 1e-9);
  });

  it('decorrelatedJitter is uniform in [initialMs, previousMs × 3], ignoring the delay', () => {
    // previousMs 200: range [100, 600]
    expect(decorrelatedJitter(12_345, ctx(0))).to.equal(100);
    expect(decorrelatedJitter(12_345, ctx(0.5))).to.equal(350);
    expect(decorrelatedJitter(12_345, ctx(0.999))).to.be.closeTo(599.5, 1e-9);
  });

  it('decorrelatedJitter is capped at maxMs', () => {
    expect(decorrelatedJitter(0, ctx(0.999, { previousMs: 5000, maxMs: 1000 }))).to.equal(1000);
  });

  it('decorrelatedJitter stays at initialMs when previousMs × 3 is below it', () => {
    expect(decorrelatedJitter(0, ctx(0.9, { initialMs: 100, previousMs: 10 }))).to.equal(100);
  });

  it('every built-in stays within its bounds for any random value in [0, 1)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        (r, delay) => {
          const c = ctx(r);
          const full = fullJitter(delay, c);
          const equal = equalJitter(delay, c);
          const decorrelated = decorrelatedJitter(delay, c);
          return (
            full >= 0 &&
            full <= delay &&
            equal >= delay / 2 &&
            equal <= delay &&
            decorrelated >= c.initialMs &&
            decorrelated <= Math.min(c.maxMs, c.previousMs * 3)
          );
        },
      ),
    );
  });

  describe('jitterFrom', () => {
    it('maps each name to its built-in', () => {
      expect(jitterFrom('none')).to.equal(noJitter);
      expect(jitterFrom('full')).to.equal(fullJitter);
      expect(jitterFrom('equal')).to.equal(equalJitter);
      expect(jitterFrom('decorrelated')).to.equal(decorrelatedJitter);
    });

    it('returns a function as it is', () => {
      const custom: Jitter = (d) => d + 1;
      expect(jitterFrom(custom)).to.equal(custom);
    });

    it('refuses an unknown name, naming the path', () => {
      expect(() => jitterFrom('wild' as 'none', 'retry.backoff.jitter')).to.throw(
        TypeError,
        "Expected `retry.backoff.jitter` to be one of 'none' | 'full' | 'equal' | 'decorrelated' or a function, got `wild` (string)",
      );
      expect(() => jitterFrom('toString' as 'none')).to.throw(TypeError);
    });
  });

  describe('applyJitter', () => {
    it('clamps a custom jitter to [0, maxMs]', () => {
      expect(applyJitter(() => -5, 100, ctx(0))).to.equal(0);
      expect(applyJitter(() => 1e9, 100, ctx(0, { maxMs: 5000 }))).to.equal(5000);
    });

    it('falls back to the un-jittered delay when the jitter gives NaN', () => {
      expect(applyJitter(() => NaN, 100, ctx(0))).to.equal(100);
    });

    it('passes the context through', () => {
      const seen: JitterContext[] = [];
      const c = ctx(0.25);
      applyJitter((d, x) => (seen.push(x), d), 100, c);
      expect(seen).to.deep.equal([c]);
    });
  });
});
