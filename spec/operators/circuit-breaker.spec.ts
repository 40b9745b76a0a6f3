import { expect } from 'chai';
import { of, retry, throwError, timer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { circuitBreaker } from '../../lib/operators/circuit-breaker';
import { CircuitBreaker } from '../../lib/resilience/circuit-breaker';
import { CircuitOpenError } from '../../lib/errors/circuit-open-error';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

const upper = (v: string): Observable<string> => of(v.toUpperCase());
const options = { failureThreshold: 2, resetTimeoutMs: 50 };

describe('circuitBreaker', () => {
  it('passes an empty source through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('|');
      expectObservable(source.pipe(circuitBreaker(upper, options))).toBe('|');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('maps each value through project', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|').pipe(circuitBreaker(upper, options))).toBe('A-B|');
    });
  });

  it('runs one inner call at a time, in order (concatMap)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab|');
      const result = source.pipe(circuitBreaker((v: string) => cold('--v|', { v }), options));
      expectObservable(result).toBe('--a--b|');
    });
  });

  it('passes an inner error on and counts it as a failure', () => {
    const scheduler = testScheduler();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 50 }, scheduler);
    const states: Array<[number, string]> = [];
    breaker.state$.subscribe((state) => states.push([scheduler.now(), state]));
    scheduler.run(({ cold, expectObservable }) => {
      const result = cold('a-b|').pipe(
        circuitBreaker(() => throwError(() => new Error('down')), breaker),
      );
      expectObservable(result).toBe('#', undefined, new Error('down'));
    });
    expect(states).to.deep.equal([
      [0, 'closed'],
      [0, 'open'],
      [50, 'half-open'],
    ]);
  });

  it('counts a project that throws as a failure', () => {
    const scheduler = testScheduler();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 50 }, scheduler);
    const states: Array<[number, string]> = [];
    breaker.state$.subscribe((state) => states.push([scheduler.now(), state]));
    scheduler.run(({ cold, expectObservable }) => {
      const result = cold('a|').pipe(
        circuitBreaker((): Observable<string> => {
          throw new Error('sync');
        }, breaker),
      );
      expectObservable(result).toBe('#', undefined, new Error('sync'));
    });
    expect(states).to.deep.equal([
      [0, 'closed'],
      [0, 'open'],
      [50, 'half-open'],
    ]);
  });

  it('errors with a CircuitOpenError when a value arrives while open', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const breaker = new CircuitBreaker(options, scheduler);
      breaker.onFailure();
      breaker.onFailure(); // open at 0 until 50
      const result = cold('20ms a').pipe(circuitBreaker(upper, breaker));
      expectObservable(result).toBe('20ms #', undefined, new CircuitOpenError(50, 30));
    });
  });

  it('recovers through retry: waits until retryAt, then a probe closes the breaker', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      let calls = 0;
      const project = (v: string): Observable<string> =>
        ++calls <= 2 ? throwError(() => new Error('down')) : of(v.toUpperCase());
      const result = cold('x|').pipe(
        circuitBreaker(project, options),
        retry({
          delay: (error: unknown) => timer(error instanceof CircuitOpenError ? error.retryInMs : 0),
        }),
      );
      // two failures at 0 open it; the refused retry waits 50 ms; the probe succeeds
      expectObservable(result).toBe('50ms X|');
    });
  });

  it("with onOpen: 'skip', drops values while open and goes on", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c-d-|');
      const result = source.pipe(
        circuitBreaker(
          (v: string) => (v === 'a' || v === 'b' ? throwError(() => new Error(v)) : upper(v)),
          { failureThreshold: 2, resetTimeoutMs: 4, onOpen: 'skip' },
        ),
        retry(),
      );
      // a and b fail (open at 3 until 7); c is dropped; d is the probe
      expectObservable(result).toBe('-------D-|');
    });
  });

  it('keeps a never-ending source going', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a--b-').pipe(circuitBreaker(upper, options))).toBe('-A--B-');
    });
  });

  it('unsubscribes source and inner call early, giving a probe slot back', () => {
    const scheduler = testScheduler();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 10 }, scheduler);
    let acquiredAfter: boolean | undefined;
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      breaker.onFailure(); // half-open at 10
      const source = cold('10ms a');
      const inner = cold('-----');
      expectObservable(source.pipe(circuitBreaker(() => inner, breaker)), '^ 14ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^ 14ms !');
      expectSubscriptions(inner.subscriptions).toBe('10ms ^ 4ms !');
      cold('20ms x').subscribe(() => (acquiredAfter = breaker.tryAcquire()));
    });
    expect(acquiredAfter).to.equal(true);
  });

  it('shares one breaker across subscriptions of the same operator', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const guarded = circuitBreaker(
        (v: string) => (v === 'f' ? throwError(() => 'x') : upper(v)),
        {
          failureThreshold: 1,
          resetTimeoutMs: 100,
        },
      );
      expectObservable(cold('f').pipe(guarded)).toBe('#', undefined, 'x');
      expectObservable(cold('-a').pipe(guarded)).toBe(
        '-#',
        undefined,
        new CircuitOpenError(100, 99),
      );
    });
  });

  it('validates its options when built', () => {
    expect(() => circuitBreaker(upper, { failureThreshold: 0, resetTimeoutMs: 1 })).to.throw(
      TypeError,
      'Expected `failureThreshold` to be an integer >= 1, got `0` (number)',
    );
    expect(() =>
      circuitBreaker(upper, { ...options, onOpen: 'wait' as unknown as 'skip' }),
    ).to.throw(TypeError, "Expected `onOpen` to be 'error' | 'skip', got `wait`");
  });
});
