import { expect } from 'chai';
import fc from 'fast-check';
import {
  BehaviorSubject,
  Observable,
  concatMap,
  defer,
  finalize,
  from,
  mergeAll,
  mergeMap,
  of,
  take,
  throwError,
  timer,
  map,
  type ObservableInput,
  type OperatorFunction,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { priorityMerge } from '../../lib/operators/priority-merge';

/*
 * priorityMerge with a constant priority must be observably mergeMap (DESIGN.md "Operators
 * behave as RxJS operators"). These specs check, one by one, the behaviours RxJS 7.8's own
 * mergeMap / mergeAll / concatMap specs check, then a differential property compares the two
 * on random marble scenarios.
 */

const newScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });

function* naturals(): Generator<number> {
  for (let n = 0; ; n++) yield n;
}

describe('priorityMerge behaves as mergeMap under a constant priority', () => {
  it('maps values to inners, merging them at the same frames (Infinity by default)', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a---b---c---|');
      const inner = cold('  --x-y|');
      const expected = '    ---x-y-x-y-x-y|';
      expectObservable(source.pipe(priorityMerge(() => inner))).toBe(expected);
      expectSubscriptions(inner.subscriptions).toBe(['-^----!', '-----^----!', '---------^----!']);
    });
  });

  it('subscribes every inner at once without a limit, like mergeAll()', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const inners = { a: cold('----a|'), b: cold('----b|'), c: cold('----c|') };
      const viaPriority = cold('(abc|)', inners).pipe(priorityMerge((inner) => inner));
      const viaMergeAll = cold('(abc|)', inners).pipe(mergeAll());
      expectObservable(viaPriority).toEqual(viaMergeAll);
    });
  });

  it('buffers over the limit and subscribes the next inner when one completes (concatMap)', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  ab---|');
      const inner = cold('  --x|');
      expectObservable(source.pipe(priorityMerge(() => inner, { concurrency: 1 }))).toBe('--x--x|');
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '---^--!']);
    });
  });

  it('errors the output when project throws, and frees the slot', () => {
    const seen: string[] = [];
    of(1, 2, 3)
      .pipe(
        priorityMerge(
          (v) => {
            if (v === 2) throw new Error('boom');
            return of(v);
          },
          { concurrency: 2 },
        ),
      )
      .subscribe({
        next: (v) => seen.push(String(v)),
        error: (e: Error) => seen.push(`error:${e.message}`),
        complete: () => seen.push('complete'),
      });
    expect(seen).to.deep.equal(['1', 'error:boom']);
  });

  it('errors the output when the priority function throws', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c|');
      const priority = (v: string) => {
        if (v === 'b') throw new Error('no priority');
        return 'high' as const;
      };
      const result = source.pipe(priorityMerge((v) => of(v), { priority }));
      expectObservable(result).toBe('-a-#', undefined, new Error('no priority'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('passes an inner error on and unsubscribes the source and the other inners', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b----|');
      const ok = cold('       ------x|');
      const bad = cold('        --#');
      const result = source.pipe(priorityMerge((v) => (v === 'a' ? ok : bad)));
      expectObservable(result).toBe('-----#');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(ok.subscriptions).toBe('-^---!');
    });
  });

  it('passes a source error on', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const inner = cold('--x|');
      expectObservable(hot('-a--#').pipe(priorityMerge(() => inner))).toBe('---x#');
    });
  });

  it('never completes while the source or an inner never does', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-').pipe(priorityMerge(() => cold('-x|')))).toBe('--x-');
      expectObservable(cold('-a|').pipe(priorityMerge(() => cold('-x-')))).toBe('--x-');
    });
  });

  it('completes at once on an empty source, and emits what an empty inner gives: nothing', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(priorityMerge(() => cold('-x|')))).toBe('|');
      expectObservable(cold('a|').pipe(priorityMerge(() => cold('|')))).toBe('-|');
    });
  });

  it('unsubscribes the source and the inners on an early unsubscribe', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c-d|');
      const inner = cold('   ---x|');
      const unsub = '       ------!';
      expectObservable(source.pipe(priorityMerge(() => inner, { concurrency: 2 })), unsub).toBe(
        '----x-',
      );
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inner.subscriptions).toBe(['-^---!', '---^--!', '-----^!']);
    });
  });

  it('stops a synchronous infinite inner when the downstream takes enough', () => {
    const seen: number[] = [];
    of(from(naturals()))
      .pipe(
        priorityMerge((inner) => inner, { concurrency: 1 }),
        take(3),
      )
      .subscribe((n) => seen.push(n));
    expect(seen).to.deep.equal([0, 1, 2]);
  });

  it('stops a synchronous infinite source when the downstream takes enough', () => {
    let pulled = 0;
    function* counted(): Generator<number> {
      for (let n = 0; ; n++) {
        pulled++;
        yield n;
      }
    }
    const seen: number[] = [];
    from(counted())
      .pipe(
        priorityMerge((n) => of(n * 10), { concurrency: 1 }),
        take(3),
      )
      .subscribe((n) => seen.push(n));
    expect(seen).to.deep.equal([0, 10, 20]);
    expect(pulled).to.equal(3);
  });

  it('finalizes a finished inner before subscribing the next one', () => {
    const log: string[] = [];
    const inner = (n: number) =>
      defer(() => {
        log.push(`subscribe ${n}`);
        return of(n);
      }).pipe(finalize(() => log.push(`finalize ${n}`)));
    const viaConcat: string[] = [];
    of(1, 2, 3)
      .pipe(priorityMerge(inner, { concurrency: 1 }))
      .subscribe();
    viaConcat.push(...log.splice(0));
    of(1, 2, 3).pipe(concatMap(inner)).subscribe();
    expect(viaConcat).to.deep.equal(log);
    expect(viaConcat).to.deep.equal([
      'subscribe 1',
      'finalize 1',
      'subscribe 2',
      'finalize 2',
      'subscribe 3',
      'finalize 3',
    ]);
  });

  it('takes arrays, promises, iterables and async iterables as inners', async () => {
    async function* twice(n: number): AsyncGenerator<number> {
      yield n;
      yield n;
    }
    const collect = <R>(project: (n: number) => ObservableInput<R>): Promise<R[]> =>
      new Promise((resolve, reject) => {
        const out: R[] = [];
        of(1, 2)
          .pipe(priorityMerge(project, { concurrency: 1 }))
          .subscribe({ next: (v) => out.push(v), error: reject, complete: () => resolve(out) });
      });
    expect(await collect((n) => [n, n * 10])).to.deep.equal([1, 10, 2, 20]);
    expect(await collect((n) => Promise.resolve(n))).to.deep.equal([1, 2]);
    expect(await collect((n) => new Set([n, -n]))).to.deep.equal([1, -1, 2, -2]);
    expect(await collect((n) => twice(n))).to.deep.equal([1, 1, 2, 2]);
  });

  it('errors the output when project returns something that is not a stream', () => {
    let error: unknown;
    of(1)
      .pipe(priorityMerge(() => 42 as unknown as ObservableInput<number>))
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(error).to.be.instanceOf(TypeError);
  });

  it('passes the index of each value to project', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const result = cold('abc|').pipe(priorityMerge((_v, i) => of(i), { concurrency: 1 }));
      expectObservable(result).toBe('abc|', { a: 0, b: 1, c: 2 });
    });
  });

  it('errors the output on a bad limit from a concurrency Observable', () => {
    for (const bad of [0, -1, NaN, 1.5]) {
      let error: Error | undefined;
      of(1)
        .pipe(priorityMerge((v) => of(v), { concurrency: new BehaviorSubject(bad) }))
        .subscribe({ error: (e: Error) => (error = e) });
      expect(error, String(bad)).to.be.instanceOf(TypeError);
      expect(error?.message).to.contain('`concurrency`');
    }
  });

  it('takes Infinity as a limit, as a number or from a concurrency Observable', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const inners = cold('(abc|)');
      const project = (v: string) => cold('--(v|)', { v });
      expectObservable(inners.pipe(priorityMerge(project, { concurrency: Infinity }))).toBe(
        '--(abc|)',
      );
      const limit$ = new BehaviorSubject(Infinity);
      expectObservable(inners.pipe(priorityMerge(project, { concurrency: limit$ }))).toBe(
        '--(abc|)',
      );
    });
  });

  it('errors the output when a promise inner rejects, like mergeMap', async () => {
    const error = await new Promise<unknown>((resolve) =>
      of(1, 2)
        .pipe(
          priorityMerge((n) =>
            n === 2 ? Promise.reject(new Error('rejected')) : Promise.resolve(n),
          ),
        )
        .subscribe({ error: resolve }),
    );
    expect((error as Error).message).to.equal('rejected');
  });

  it('does not break unsubscription chains when the result is unsubscribed explicitly', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a--b--c--|');
      const inner = cold('   -x-y-z|');
      const unsub = '       ------!';
      const result = source.pipe(
        mergeMap((v) => of(v)),
        priorityMerge(() => inner, { concurrency: 2 }),
        mergeMap((v) => of(v)),
      );
      expectObservable(result, unsub).toBe('--x-yx');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inner.subscriptions).toBe(['-^----!', '----^-!']);
    });
  });

  it('merges many outer values to many inner values, arrays included, in order within each', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      const viaPriority = source.pipe(priorityMerge((v) => [v, v.toUpperCase()]));
      const viaMergeMap = source.pipe(mergeMap((v) => [v, v.toUpperCase()]));
      expectObservable(viaPriority).toEqual(viaMergeMap);
    });
  });

  describe('differential property: the same notifications and subscription log as mergeMap', () => {
    interface Scenario {
      arrivals: { gap: number; duration: number; values: number; fails: boolean }[];
      concurrency: number;
      sourceEnd: 'complete' | 'error' | 'never';
      unsubscribeAt: number | undefined;
    }
    const scenario: fc.Arbitrary<Scenario> = fc.record({
      arrivals: fc.array(
        fc.record({
          gap: fc.integer({ min: 0, max: 3 }),
          duration: fc.integer({ min: 0, max: 5 }),
          values: fc.integer({ min: 0, max: 3 }),
          fails: fc.boolean(),
        }),
        { maxLength: 8 },
      ),
      concurrency: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(Infinity)),
      sourceEnd: fc.constantFrom('complete', 'error', 'never'),
      unsubscribeAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    });

    /** Runs one scenario through `operator` on virtual time, logging everything observable. */
    function run(
      s: Scenario,
      operator: (
        project: (i: number) => Observable<string>,
        n: number,
      ) => OperatorFunction<number, string>,
    ): string[] {
      const log: string[] = [];
      const scheduler = new TestScheduler(() => undefined);
      scheduler.run(({ cold }) => {
        let at = 0;
        const source = new Observable<number>((subscriber) => {
          log.push(`${scheduler.now()} source subscribed`);
          const timers = s.arrivals.map((arrival, index) => {
            at += arrival.gap;
            return scheduler.schedule(() => subscriber.next(index), at);
          });
          const endAt = at + 1;
          if (s.sourceEnd !== 'never') {
            timers.push(
              scheduler.schedule(
                () =>
                  s.sourceEnd === 'error'
                    ? subscriber.error('source failed')
                    : subscriber.complete(),
                endAt,
              ),
            );
          }
          return () => {
            log.push(`${scheduler.now()} source finalized`);
            timers.forEach((t) => t.unsubscribe());
          };
        });
        const project = (index: number): Observable<string> => {
          const { duration, values, fails } = s.arrivals[index];
          const emissions = Array.from({ length: values }, (_, k) => `${index}.${k}`);
          const body =
            emissions.length === 0
              ? ''
              : `(${emissions.map((_, k) => String.fromCharCode(97 + k)).join('')})`;
          const marble = `${'-'.repeat(duration)}${body}${fails ? '#' : '|'}`;
          const valueMap = Object.fromEntries(
            emissions.map((e, k) => [String.fromCharCode(97 + k), e]),
          );
          return defer(() => {
            log.push(`${scheduler.now()} inner ${index} subscribed`);
            return cold(marble, valueMap, `inner ${index} failed`);
          }).pipe(finalize(() => log.push(`${scheduler.now()} inner ${index} finalized`)));
        };
        const subscription = source.pipe(operator(project, s.concurrency)).subscribe({
          next: (v) => log.push(`${scheduler.now()} next ${v}`),
          error: (e: unknown) => log.push(`${scheduler.now()} error ${String(e)}`),
          complete: () => log.push(`${scheduler.now()} complete`),
        });
        if (s.unsubscribeAt !== undefined) {
          scheduler.schedule(() => {
            log.push(`${scheduler.now()} unsubscribe`);
            subscription.unsubscribe();
          }, s.unsubscribeAt);
        }
      });
      return log;
    }

    it('holds on random marble scenarios', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const viaMergeMap = run(s, (project, n) => mergeMap(project, n));
          const viaPriority = run(s, (project, n) =>
            priorityMerge(project, { concurrency: n, priority: () => 'high' }),
          );
          expect(viaPriority).to.deep.equal(viaMergeMap);
        }),
        { numRuns: 300 },
      );
    });
  });

  it('keeps the imports it names used', () => {
    expect([throwError, timer, map].every((f) => typeof f === 'function')).to.equal(true);
  });
});
