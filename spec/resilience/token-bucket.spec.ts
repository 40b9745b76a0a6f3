import { expect } from 'chai';
import type { SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { TokenBucket, type RateLimitOptions } from '../../lib/resilience/token-bucket';
import * as barrel from '../../lib/resilience';

/** A clock that refuses timers: the bucket must only read the time. */
function manualClock(): { scheduler: SchedulerLike; advance: (ms: number) => void } {
  let now = 0;
  const scheduler = {
    now: () => now,
    schedule: () => {
      throw new Error('TokenBucket must not set timers');
    },
  } as unknown as SchedulerLike;
  return { scheduler, advance: (ms) => (now += ms) };
}

describe('TokenBucket', () => {
  it('gives limit tokens at once, then refuses', () => {
    const { scheduler } = manualClock();
    const bucket = new TokenBucket({ limit: 3, intervalMs: 100 }, scheduler);
    expect([1, 2, 3, 4].map(() => bucket.tryTake())).to.deep.equal([true, true, true, false]);
    expect(bucket.available()).to.equal(0);
  });

  it('returns each token exactly intervalMs after it was taken', () => {
    const { scheduler, advance } = manualClock();
    const bucket = new TokenBucket({ limit: 2, intervalMs: 100 }, scheduler);
    expect(bucket.tryTake()).to.equal(true); // t=0
    advance(30);
    expect(bucket.tryTake()).to.equal(true); // t=30
    expect(bucket.msUntilNext()).to.equal(70);
    advance(69);
    expect(bucket.tryTake()).to.equal(false); // t=99
    expect(bucket.msUntilNext()).to.equal(1);
    advance(1);
    expect(bucket.msUntilNext()).to.equal(0); // t=100: the first token is back
    expect(bucket.tryTake()).to.equal(true);
    expect(bucket.msUntilNext()).to.equal(30); // the t=30 token is back at 130
  });

  it('never allows more than limit takes in any interval window', () => {
    const { scheduler, advance } = manualClock();
    const bucket = new TokenBucket({ limit: 2, intervalMs: 100 }, scheduler);
    const takenAt: number[] = [];
    for (let t = 0; t < 1000; t += 7) {
      if (bucket.tryTake()) takenAt.push(t);
      advance(7);
    }
    for (const start of takenAt) {
      expect(takenAt.filter((t) => t >= start && t < start + 100).length).to.be.at.most(2);
    }
  });

  it('reports 0 ms until the next token while tokens remain', () => {
    const { scheduler } = manualClock();
    const bucket = new TokenBucket({ limit: 2, intervalMs: 100 }, scheduler);
    expect(bucket.msUntilNext()).to.equal(0);
    bucket.tryTake();
    expect(bucket.msUntilNext()).to.equal(0);
    expect(bucket.available()).to.equal(1);
  });

  it("reads the TestScheduler's virtual clock", () => {
    const seen: boolean[] = [];
    new TestScheduler((a, e) => {
      expect(a).to.deep.equal(e);
    }).run(({ cold, time }) => {
      const bucket = new TokenBucket({ limit: 1, intervalMs: time('-----|') });
      cold('a---bc').subscribe(() => seen.push(bucket.tryTake()));
    });
    // a at 0 takes; b at 4 is refused; c at 5 gets the token back
    expect(seen).to.deep.equal([true, false, true]);
  });

  it('exposes its validated options', () => {
    const bucket = new TokenBucket({ limit: 5, intervalMs: 1000 });
    expect([bucket.limit, bucket.intervalMs]).to.deep.equal([5, 1000]);
  });

  it('validates its options, naming rateLimit.*', () => {
    expect(() => new TokenBucket({ limit: 0, intervalMs: 100 })).to.throw(
      TypeError,
      'Expected `rateLimit.limit` to be an integer >= 1, got `0` (number)',
    );
    expect(() => new TokenBucket({ limit: 1.5, intervalMs: 100 })).to.throw(
      'Expected `rateLimit.limit` to be an integer >= 1, got `1.5` (number)',
    );
    expect(() => new TokenBucket({ limit: 1, intervalMs: 0 })).to.throw(
      'Expected `rateLimit.intervalMs` to be a number of ms above 0, at most 2147483647, got `0` (number)',
    );
    expect(() => new TokenBucket(null as unknown as RateLimitOptions)).to.throw(
      'Expected `rateLimit` to be an object { limit, intervalMs }, got `null` (null)',
    );
  });

  it('uses the given path prefix, or none', () => {
    expect(() => new TokenBucket({ limit: -1, intervalMs: 1 }, undefined, 'pool.rate')).to.throw(
      'Expected `pool.rate.limit` to be',
    );
    expect(() => new TokenBucket({ limit: 1, intervalMs: -1 }, undefined, '')).to.throw(
      'Expected `intervalMs` to be',
    );
  });

  it('is exported from the resilience barrel', () => {
    expect(Object.keys(barrel).sort()).to.deep.equal(['CircuitBreaker', 'TokenBucket']);
  });
});
