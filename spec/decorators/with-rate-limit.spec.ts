import { expect } from 'chai';
import sinon from 'sinon';
import { TestScheduler } from 'rxjs/testing';
import { withRateLimit } from '../../lib/decorators/with-rate-limit';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

describe('withRateLimit', () => {
  it('starts at most `limit` calls per interval, the rest waiting in order', async () => {
    const scheduler = testScheduler();
    const starts: Array<[number, string]> = [];
    const results: Array<Promise<string>> = [];
    scheduler.run(() => {
      const fn = withRateLimit(
        (name: string) => {
          starts.push([scheduler.now(), name]);
          return name.toUpperCase();
        },
        { limit: 2, intervalMs: 100 },
        { scheduler },
      );
      for (const name of ['a', 'b', 'c', 'd', 'e']) results.push(fn(name));
    });
    expect(starts).to.deep.equal([
      [0, 'a'],
      [0, 'b'],
      [100, 'c'],
      [100, 'd'],
      [200, 'e'],
    ]);
    expect(await Promise.all(results)).to.deep.equal(['A', 'B', 'C', 'D', 'E']);
  });

  it('counts starts over a sliding interval', () => {
    const scheduler = testScheduler();
    const starts: number[] = [];
    scheduler.run(({ cold }) => {
      const fn = withRateLimit(
        () => void starts.push(scheduler.now()),
        { limit: 2, intervalMs: 100 },
        {
          scheduler,
        },
      );
      // calls at 0, 50, 60, 70: the third waits for the token taken at 0, the fourth for 50's
      cold('a 49ms b 9ms c 9ms d').subscribe(() => void fn());
    });
    expect(starts).to.deep.equal([0, 50, 100, 150]);
  });

  it('starts a call within the limit synchronously', () => {
    let started = false;
    const fn = withRateLimit(() => (started = true), { limit: 1, intervalMs: 1000 });
    void fn();
    expect(started).to.equal(true);
  });

  it('does not refuse calls: a burst waits, it is not rejected', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const fn = withRateLimit(async (n: number) => n, { limit: 1, intervalMs: 1000 });
      const all = Promise.all([1, 2, 3].map((n) => fn(n)));
      await clock.tickAsync(2000);
      expect(await all).to.deep.equal([1, 2, 3]);
    } finally {
      clock.restore();
    }
  });

  it('rejects when fn throws or rejects, and goes on with the next calls', async () => {
    const boom = new Error('sync');
    const fn = withRateLimit(
      (mode: 'throw' | 'reject' | 'ok') => {
        if (mode === 'throw') throw boom;
        if (mode === 'reject') return Promise.reject(new Error('async'));
        return Promise.resolve('fine');
      },
      { limit: 3, intervalMs: 1000 },
    );
    const outcomes = await Promise.allSettled([fn('throw'), fn('reject'), fn('ok')]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).to.equal(boom);
  });

  it('validates its limits at once', () => {
    expect(() => withRateLimit(() => 1, { limit: 0, intervalMs: 100 })).to.throw(
      TypeError,
      'Expected `limit` to be an integer >= 1, got `0` (number)',
    );
    expect(() => withRateLimit(() => 1, { limit: 1, intervalMs: -5 })).to.throw(
      'Expected `intervalMs` to be a number of ms above 0, at most 2147483647, got `-5` (number)',
    );
  });
});
