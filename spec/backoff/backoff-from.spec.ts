import { expect } from 'chai';
import sinon from 'sinon';
import { backoffFrom, isBackoff } from '../../lib/backoff/backoff-from';
import type { Backoff, BackoffConfig } from '../../lib/backoff/backoff';
import { ExponentialBackoff } from '../../lib/backoff/exponential-backoff';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import { LinearBackoff } from '../../lib/backoff/linear-backoff';
import { RandomBackoff } from '../../lib/backoff/random-backoff';
import * as barrel from '../../lib/backoff';

describe('backoffFrom', () => {
  afterEach(() => sinon.restore());

  it('builds the class matching the strategy', () => {
    const base = { initialMs: 100, maxMs: 1000 };
    expect(backoffFrom({ strategy: 'exponential', ...base })).to.be.instanceOf(ExponentialBackoff);
    expect(backoffFrom({ strategy: 'linear', ...base })).to.be.instanceOf(LinearBackoff);
    expect(backoffFrom({ strategy: 'fixed', ...base })).to.be.instanceOf(FixedBackoff);
    expect(backoffFrom({ strategy: 'random', ...base })).to.be.instanceOf(RandomBackoff);
  });

  it('passes initialMs, maxMs, factor and jitter on', () => {
    const exponential = backoffFrom({
      strategy: 'exponential',
      initialMs: 10,
      maxMs: 500,
      factor: 3,
      jitter: 'none',
    });
    expect([1, 2, 3, 4, 5].map((n) => exponential.delayMs(n))).to.deep.equal([
      10, 30, 90, 270, 500,
    ]);
    expect(backoffFrom({ strategy: 'linear', initialMs: 50, maxMs: 120 }).delayMs(3)).to.equal(120);
    expect(backoffFrom({ strategy: 'fixed', initialMs: 70, maxMs: 70 }).delayMs(9)).to.equal(70);
  });

  it("uses each class's default jitter: full for exponential, none otherwise", () => {
    sinon.stub(Math, 'random').returns(0.5);
    expect(
      backoffFrom({ strategy: 'exponential', initialMs: 100, maxMs: 1000 }).delayMs(2),
    ).to.equal(100);
    expect(backoffFrom({ strategy: 'linear', initialMs: 100, maxMs: 1000 }).delayMs(2)).to.equal(
      200,
    );
    expect(
      backoffFrom({ strategy: 'fixed', initialMs: 100, maxMs: 1000, jitter: 'equal' }).delayMs(2),
    ).to.equal(75);
  });

  it('ignores jitter for the random strategy, which is random already', () => {
    sinon.stub(Math, 'random').returns(0.5);
    const backoff = backoffFrom({ strategy: 'random', initialMs: 0, maxMs: 100, jitter: 'full' });
    expect(backoff.delayMs(1)).to.equal(50);
  });

  it('returns a Backoff as it is', () => {
    const custom: Backoff = { delayMs: () => 7 };
    expect(backoffFrom(custom)).to.equal(custom);
  });

  it('refuses an unknown strategy, naming the path', () => {
    const config = { strategy: 'cubic', initialMs: 1, maxMs: 2 } as unknown as BackoffConfig;
    expect(() => backoffFrom(config, 'retry.backoff')).to.throw(
      TypeError,
      "Expected `retry.backoff.strategy` to be one of 'exponential' | 'linear' | 'fixed' | 'random', got `cubic` (string)",
    );
    expect(() => backoffFrom(config)).to.throw('Expected `strategy` to be one of');
  });

  it('refuses a non-object', () => {
    expect(() => backoffFrom(42 as unknown as BackoffConfig, 'retry.backoff')).to.throw(
      TypeError,
      'Expected `retry.backoff` to be a Backoff or a BackoffConfig object, got `42` (number)',
    );
  });

  it('names bad values under the path', () => {
    expect(() =>
      backoffFrom({ strategy: 'fixed', initialMs: -1, maxMs: 10 }, 'retry.backoff'),
    ).to.throw(
      'Expected `retry.backoff.initialMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
  });

  describe('isBackoff', () => {
    it('recognizes objects with a delayMs method', () => {
      expect(isBackoff(new FixedBackoff())).to.equal(true);
      expect(isBackoff({ delayMs: () => 1 })).to.equal(true);
    });

    it('rejects configs and other values', () => {
      expect(isBackoff({ strategy: 'fixed', initialMs: 1, maxMs: 1 })).to.equal(false);
      expect(isBackoff({ delayMs: 5 })).to.equal(false);
      expect(isBackoff(null)).to.equal(false);
      expect(isBackoff(undefined)).to.equal(false);
      expect(isBackoff(() => 1)).to.equal(false);
    });
  });

  it('is exported from the backoff barrel with the rest', () => {
    expect(Object.keys(barrel).sort()).to.deep.equal(
      [
        'ExponentialBackoff',
        'FixedBackoff',
        'LinearBackoff',
        'RandomBackoff',
        'backoffFrom',
        'decorrelatedJitter',
        'equalJitter',
        'fullJitter',
        'isBackoff',
        'jitterFrom',
        'noJitter',
      ].sort(),
    );
  });
});
