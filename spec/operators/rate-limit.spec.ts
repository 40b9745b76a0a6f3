import { expect } from 'chai';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { rateLimit } from '../../lib/operators/rate-limit';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

describe('rateLimit', () => {
  it('passes an empty source through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('|');
      expectObservable(source.pipe(rateLimit({ limit: 1, intervalMs: 10 }))).toBe('|');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('emits values within the limit at once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      expectObservable(source.pipe(rateLimit({ limit: 3, intervalMs: 10 }))).toBe('a-b-c|');
    });
  });

  it('spaces a burst so that at most `limit` pass per interval', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(abcde|)');
      expectObservable(source.pipe(rateLimit({ limit: 2, intervalMs: 10 }))).toBe(
        '(ab) 6ms (cd) 6ms (e|)',
      );
    });
  });

  it('lets each buffered value out when its token returns', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // a at 0, b at 3, c at 4 (limit 1 per 10 ms): b waits until 10, c until 20
      const source = cold('a--bc|');
      expectObservable(source.pipe(rateLimit({ limit: 1, intervalMs: 10 }))).toBe(
        'a 9ms b 9ms (c|)',
      );
    });
  });

  it('completes only after the buffer has drained', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc|)');
      expectObservable(source.pipe(rateLimit({ limit: 1, intervalMs: 5 }))).toBe(
        'a 4ms b 4ms (c|)',
      );
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('passes an error on at once, dropping the buffer', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(abc)-#', undefined, new Error('boom'));
      expectObservable(source.pipe(rateLimit({ limit: 1, intervalMs: 10 }))).toBe(
        'a-----#',
        undefined,
        new Error('boom'),
      );
    });
  });

  it('passes an immediate error on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('#').pipe(rateLimit({ limit: 1, intervalMs: 10 }))).toBe('#');
    });
  });

  it('keeps a never-ending source going', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-');
      expectObservable(source.pipe(rateLimit({ limit: 1, intervalMs: 5 })), '^ 30ms !').toBe(
        '-a 4ms b 4ms c',
      );
    });
  });

  it('stays silent on a never-emitting source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-').pipe(rateLimit({ limit: 1, intervalMs: 5 }))).toBe('-');
    });
  });

  it('drops the buffer and cancels its timer on early unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc)---');
      const subs = '^--!';
      expectObservable(source.pipe(rateLimit({ limit: 1, intervalMs: 10 })), subs).toBe('a');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('runs on the scheduler it is given, each subscription with its own bucket', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limited = cold('(ab|)').pipe(rateLimit({ limit: 1, intervalMs: 7 }, scheduler));
      expectObservable(limited).toBe('a 6ms (b|)');
      expectObservable(limited).toBe('a 6ms (b|)');
    });
  });

  it('keeps order when emitting makes the source emit again', () => {
    const source = new Subject<number>();
    const seen: number[] = [];
    source.pipe(rateLimit({ limit: 5, intervalMs: 1000 })).subscribe((n) => {
      seen.push(n);
      if (n === 1) source.next(3);
    });
    source.next(1);
    source.next(2);
    expect(seen).to.deep.equal([1, 3, 2]);
  });

  it('never emits more than `limit` values in any interval, nor loses or reorders any', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, limit, intervalMs) => {
          const scheduler = testScheduler();
          const out: Array<[number, number]> = [];
          scheduler.run(({ cold }) => {
            const marbles = gaps.map((gap) => `${gap}ms v`).join(' ') + ' |';
            let i = 0;
            cold(marbles)
              .pipe(rateLimit({ limit, intervalMs }))
              .subscribe(() => out.push([scheduler.now(), i++]));
          });
          const times = out.map(([t]) => t);
          const inOrder = out.every(([, n], k) => n === k);
          const spaced = times.every(
            (start) => times.filter((t) => t >= start && t < start + intervalMs).length <= limit,
          );
          return out.length === gaps.length && inOrder && spaced;
        },
      ),
      { numRuns: 50 },
    );
  });

  it('validates its options when built', () => {
    expect(() => rateLimit({ limit: 0, intervalMs: 10 })).to.throw(
      TypeError,
      'Expected `limit` to be an integer >= 1, got `0` (number)',
    );
    expect(() => rateLimit({ limit: 1, intervalMs: 0 })).to.throw(
      'Expected `intervalMs` to be a number of ms above 0, at most 2147483647, got `0` (number)',
    );
  });
});
