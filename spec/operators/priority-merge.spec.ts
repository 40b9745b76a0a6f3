import { expect } from 'chai';
import { BehaviorSubject, NEVER, Subject, delay, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { priorityMerge } from '../../lib/operators/priority-merge';
import { QueueFullError } from '../../lib/errors/queue-full-error';
import type { PriorityName } from '../../lib/task/priority';

const newScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });

/** Values are 'x' letters; the priority comes from a lookup, so marbles stay one character. */
const levels: Record<string, PriorityName> = {
  a: 'low',
  b: 'low',
  c: 'critical',
  d: 'high',
  e: 'normal',
};

/** `frame:value` for each emission and `frame:|` on completion. */
function timeline<T>(scheduler: TestScheduler, source: Observable<T>): string[] {
  const seen: string[] = [];
  source.subscribe({
    next: (value) => seen.push(`${scheduler.now()}:${String(value)}`),
    complete: () => seen.push(`${scheduler.now()}:|`),
  });
  return seen;
}

describe('priorityMerge', () => {
  it('completes at once on an empty source', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const project = () => cold<string>('-x|');
      expectObservable(cold('|').pipe(priorityMerge(project, { concurrency: 1 }))).toBe('|');
    });
  });

  it('serves waiting values by priority, FIFO within a level, one slot', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // a starts at once; b, c, d, e wait; then c (critical), d (high), e (normal), b (low).
      const source = hot('  (abcde|)');
      const project = (v: string) => cold('--(v|)', { v });
      const result = source.pipe(
        priorityMerge(project, { concurrency: 1, priority: (v) => levels[v] }),
      );
      expectObservable(result).toBe('--a-c-d-e-(b|)');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('runs up to the limit concurrently', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const project = (v: string) => cold('-----(v|)', { v });
      const result = cold('(abcd|)').pipe(priorityMerge(project, { concurrency: 2 }));
      expectObservable(result).toBe('5ms (ab) 1ms (cd|)');
    });
  });

  it('raises and lowers the limit while running', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot }) => {
      const limit$ = hot('1-----3---1', { 1: 1, 3: 3 });
      const project = (v: string) => cold('----(v|)', { v });
      const seen = timeline(
        scheduler,
        cold('(abcdefg|)').pipe(priorityMerge(project, { concurrency: limit$ })),
      );
      scheduler.flush();
      // t4: a ends, b starts; t6: limit 3 starts c, d; t8: b ends, e starts; t10: c, d end and
      // the limit is 1 with e running: nothing starts until e ends at t12; then f, then g.
      expect(seen).to.deep.equal(['4:a', '8:b', '10:c', '10:d', '12:e', '16:f', '20:g', '20:|']);
    });
  });

  it('lowering the limit lets running values finish and starts none until below it', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold }) => {
      const limit$ = new BehaviorSubject(3);
      const project = (v: string) => {
        if (v === 'c') limit$.next(1); // lowered while a, b, c all run
        return cold('--(v|)', { v });
      };
      const seen = timeline(
        scheduler,
        cold('(abcde|)').pipe(priorityMerge(project, { concurrency: limit$ })),
      );
      scheduler.flush();
      // a, b, c finish at t2; then one at a time: d at t4, e at t6.
      expect(seen).to.deep.equal(['2:a', '2:b', '2:c', '4:d', '6:e', '6:|']);
    });
  });

  it('propagates an inner error and stops', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const project = (v: string) =>
        v === 'b' ? cold('-#', {}, new Error('boom')) : cold('--(v|)', { v });
      const result = cold('(abc|)').pipe(priorityMerge(project, { concurrency: 1 }));
      expectObservable(result).toBe('--a#', undefined, new Error('boom'));
    });
  });

  it('propagates a source error', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const project = (v: string) => cold('--(v|)', { v });
      expectObservable(cold('a-#').pipe(priorityMerge(project, { concurrency: 1 }))).toBe('--#');
    });
  });

  it('never completes while the source never completes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const project = (v: string) => cold('-(v|)', { v });
      expectObservable(cold('a-b').pipe(priorityMerge(project, { concurrency: 1 }))).toBe('-a-b');
      expectObservable(NEVER.pipe(priorityMerge(project, { concurrency: 1 }))).toBe('');
    });
  });

  it('tears down the source and running inners on early unsubscribe', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a-b-c-d');
      const inner = cold('-----(v|)', { v: 'x' });
      const unsub = '   ---!';
      expectObservable(source.pipe(priorityMerge(() => inner, { concurrency: 2 })), unsub).toBe('');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '--^!']);
    });
  });

  it('errors with QueueFullError when the queue refuses a value and no onOverflow is given', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const project = (v: string) => cold('--(v|)', { v });
      const result = cold('(abc|)').pipe(
        priorityMerge(project, { concurrency: 1, queue: { capacity: 1 } }),
      );
      expectObservable(result).toBe('#', undefined, new QueueFullError(1, '2', false));
    });
  });

  it('hands refused values to onOverflow and goes on', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const refused: string[] = [];
      const project = (v: string) => cold('--(v|)', { v });
      const result = cold('(abc|)').pipe(
        priorityMerge(project, {
          concurrency: 1,
          queue: { capacity: 1 },
          onOverflow: (value) => refused.push(value),
        }),
      );
      expectObservable(result).toBe('--a-(b|)');
      cold('----|').subscribe({ complete: () => expect(refused).to.deep.equal(['c']) });
    });
  });

  it('handles inner promises and synchronous inners without deep recursion', async () => {
    const source = new Subject<number>();
    const seen: number[] = [];
    const done = new Promise<void>((resolve) =>
      source
        .pipe(priorityMerge((n) => of(n), { concurrency: 1 }))
        .subscribe({ next: (n) => seen.push(n), complete: resolve }),
    );
    for (let i = 0; i < 100_000; i++) source.next(i);
    source.complete();
    await done;
    expect(seen.length).to.equal(100_000);
    const viaPromise = await new Promise<number[]>((resolve) => {
      const out: number[] = [];
      of(1, 2, 3)
        .pipe(priorityMerge((n) => Promise.resolve(n * 10), { concurrency: 2 }))
        .subscribe({ next: (n) => out.push(n), complete: () => resolve(out) });
    });
    expect(viaPromise).to.deep.equal([10, 20, 30]);
  });

  it('rejects a bad concurrency with the option named', () => {
    expect(() => priorityMerge(() => of(1), { concurrency: 0 })).to.throw(
      'Expected `concurrency` to be an integer from 1, Infinity, or an Observable of those, got `0` (number)',
    );
    // delay keeps the import used in a real pipeline
    expect(typeof delay).to.equal('function');
  });

  describe('keys and weights', () => {
    /** Tenant and weight by letter: a, b, d are tenant A's; c is B's; h weighs 4. */
    const tenant: Record<string, string> = {
      a: 'A',
      b: 'A',
      c: 'B',
      d: 'A',
      h: 'A',
      l: 'B',
      m: 'B',
    };
    const weights: Record<string, number> = { h: 4 };

    it('keys take turns within a priority (round-robin), arrival order within a key', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const project = (v: string) => cold('--(v|)', { v });
        const result = cold('(abcd|)').pipe(
          priorityMerge(project, { concurrency: 1, key: (v) => tenant[v] }),
        );
        // a (A) first, then B's c before A's b and d.
        expectObservable(result).toBe('--a-c-b-(d|)');
      });
    });

    it('a key at its limit is skipped, never blocking other keys', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const project = (v: string) => cold('----(v|)', { v });
        const result = cold('(abdc|)').pipe(
          priorityMerge(project, {
            concurrency: 3,
            key: (v) => tenant[v],
            keys: { concurrency: 1 },
          }),
        );
        // A runs one at a time; B's c starts at once beside a.
        expectObservable(result).toBe('----(ac)b---(d|)');
      });
    });

    it('a value holds its weight; a heavy one reserves the slots it waits for', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const project = (v: string) => cold('---(v|)', { v });
        const result = cold('(lhm|)').pipe(
          priorityMerge(project, { concurrency: 4, weight: (v) => weights[v] ?? 1 }),
        );
        // h needs all four slots: m, behind it, does not start beside l.
        expectObservable(result).toBe('---l--h--(m|)');
      });
    });

    it('a weight above a fixed concurrency, or a bad key, errors the stream', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const project = (v: string) => cold('-(v|)', { v });
        expectObservable(
          cold('h').pipe(
            priorityMerge(project, { concurrency: 2, weight: (v) => weights[v] ?? 1 }),
          ),
        ).toBe(
          '#',
          undefined,
          new RangeError(
            '`weight` 4 is above `concurrency` 2: a task that heavy could never start',
          ),
        );
        expectObservable(
          cold('a').pipe(priorityMerge(project, { concurrency: 2, key: () => 7 as never })),
        ).toBe('#', undefined, new TypeError('Expected `key` to be a string, got `7` (number)'));
      });
    });
  });
});
