import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from '../../lib/resilience/circuit-breaker';
import { CircuitOpenError } from '../../lib/errors/circuit-open-error';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

/** Records every state$ emission with its virtual time. */
function record(breaker: CircuitBreaker, scheduler: TestScheduler): Array<[number, CircuitState]> {
  const seen: Array<[number, CircuitState]> = [];
  breaker.state$.subscribe((state) => seen.push([scheduler.now(), state]));
  return seen;
}

describe('CircuitBreaker', () => {
  const options: CircuitBreakerOptions = { failureThreshold: 3, resetTimeoutMs: 100 };

  it('starts closed and lets calls through', () => {
    const breaker = new CircuitBreaker(options, testScheduler());
    expect(breaker.state).to.equal('closed');
    expect(breaker.tryAcquire()).to.equal(true);
    expect(breaker.tryAcquire()).to.equal(true);
  });

  it('opens after failureThreshold consecutive failures', () => {
    const breaker = new CircuitBreaker(options, testScheduler());
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state).to.equal('closed');
    breaker.onFailure();
    expect(breaker.state).to.equal('open');
    expect(breaker.tryAcquire()).to.equal(false);
  });

  it('a success resets the consecutive count', () => {
    const breaker = new CircuitBreaker(options, testScheduler());
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state).to.equal('closed');
  });

  it('goes closed → open → half-open → closed on virtual time, state$ emitting each at its time', () => {
    const scheduler = testScheduler();
    let seen: Array<[number, CircuitState]> = [];
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker(options, scheduler);
      seen = record(breaker, scheduler);
      // three failures at 10, 11, 12; a probe at 200 succeeds
      cold('----------fff').subscribe(() => breaker.onFailure());
      cold('200ms a').subscribe(() => {
        expect(breaker.tryAcquire()).to.equal(true);
        breaker.onSuccess();
      });
    });
    expect(seen).to.deep.equal([
      [0, 'closed'],
      [12, 'open'],
      [112, 'half-open'],
      [200, 'closed'],
    ]);
  });

  it('emits half-open by itself exactly resetTimeoutMs after opening (marbles)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100 });
      cold('-----f').subscribe(() => breaker.onFailure());
      expectObservable(breaker.state$, '^ 200ms !').toBe('c----o 99ms h', {
        c: 'closed',
        o: 'open',
        h: 'half-open',
      });
    });
  });

  it('refuses calls while open, until resetTimeoutMs has elapsed on the clock', () => {
    const scheduler = testScheduler();
    const answers: Array<[number, boolean]> = [];
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 50 }, scheduler);
      breaker.onFailure(); // opens at 0
      cold('a 48ms b c').subscribe(() => answers.push([scheduler.now(), breaker.tryAcquire()]));
    });
    expect(answers).to.deep.equal([
      [0, false],
      [49, false],
      [50, true],
    ]);
  });

  it('half-open: a failed probe opens it again with a fresh timer', () => {
    const scheduler = testScheduler();
    let seen: Array<[number, CircuitState]> = [];
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100 }, scheduler);
      seen = record(breaker, scheduler);
      breaker.onFailure(); // open at 0, half-open at 100
      cold('130ms p').subscribe(() => {
        expect(breaker.tryAcquire()).to.equal(true);
        breaker.onFailure(); // open again at 130, half-open at 230
      });
    });
    expect(seen).to.deep.equal([
      [0, 'closed'],
      [0, 'open'],
      [100, 'half-open'],
      [130, 'open'],
      [230, 'half-open'],
    ]);
  });

  it('half-open: lets at most halfOpenMax probes through at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker(
        { failureThreshold: 1, resetTimeoutMs: 10, halfOpenMax: 2 },
        scheduler,
      );
      breaker.onFailure();
      cold('10ms a').subscribe(() => {
        expect(breaker.state).to.equal('half-open');
        expect([breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()]).to.deep.equal([
          true,
          true,
          false,
        ]);
        breaker.release(); // a probe was cancelled: its slot is free again
        expect(breaker.tryAcquire()).to.equal(true);
        breaker.onSuccess();
        expect(breaker.state).to.equal('closed');
        expect(breaker.tryAcquire()).to.equal(true);
      });
    });
  });

  it('defaults halfOpenMax to 1', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 10 }, scheduler);
      breaker.onFailure();
      cold('10ms a').subscribe(() => {
        expect([breaker.tryAcquire(), breaker.tryAcquire()]).to.deep.equal([true, false]);
      });
    });
  });

  it('ignores late results while open', () => {
    const breaker = new CircuitBreaker(
      { failureThreshold: 1, resetTimeoutMs: 100 },
      testScheduler(),
    );
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    expect(breaker.state).to.equal('open');
  });

  it('builds a CircuitOpenError with retryAt and the remaining ms', () => {
    const scheduler = testScheduler();
    let error: CircuitOpenError | undefined;
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100 }, scheduler);
      cold('20ms f').subscribe(() => breaker.onFailure());
      cold('50ms a').subscribe(() => {
        expect(breaker.retryAt()).to.equal(120);
        error = breaker.openError();
      });
    });
    expect(error).to.be.instanceOf(CircuitOpenError);
    expect(error?.retryAt).to.equal(120);
    expect(error?.retryInMs).to.equal(70);
    expect(error?.message).to.equal('Circuit is open: calls are refused for another 70 ms');
  });

  it('retryAt is now when not open', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker(options, scheduler);
      cold('30ms a').subscribe(() => expect(breaker.retryAt()).to.equal(30));
    });
  });

  describe('window mode', () => {
    const windowed: CircuitBreakerOptions = {
      failureThreshold: 1,
      resetTimeoutMs: 100,
      window: { size: 4, minimumCalls: 3, failureRatio: 0.5 },
    };

    it('waits for minimumCalls before judging the ratio', () => {
      const breaker = new CircuitBreaker(windowed, testScheduler());
      breaker.onSuccess();
      breaker.onFailure(); // 1 of 2 failed, but fewer than 3 calls: failureThreshold 1 unused
      expect(breaker.state).to.equal('closed');
      breaker.onFailure(); // 2 of 3 failed: 0.67 >= 0.5
      expect(breaker.state).to.equal('open');
    });

    it('judges the ratio when a failure is recorded, never on a success', () => {
      const breaker = new CircuitBreaker(windowed, testScheduler());
      breaker.onFailure();
      breaker.onFailure();
      breaker.onSuccess(); // 2 of 3 failed, but a success does not open the breaker
      expect(breaker.state).to.equal('closed');
      breaker.onFailure(); // 3 of 4
      expect(breaker.state).to.equal('open');
    });

    it('stays closed below the failure ratio', () => {
      const breaker = new CircuitBreaker(windowed, testScheduler());
      breaker.onSuccess();
      breaker.onSuccess();
      breaker.onFailure(); // 1 of 3
      expect(breaker.state).to.equal('closed');
      breaker.onSuccess(); // 1 of 4
      expect(breaker.state).to.equal('closed');
    });

    it('only counts the last `size` calls', () => {
      const breaker = new CircuitBreaker(
        { failureThreshold: 1, resetTimeoutMs: 100, window: { size: 4, failureRatio: 0.75 } },
        testScheduler(),
      );
      // F F S S: 2 of 4 failed
      breaker.onFailure();
      breaker.onFailure();
      breaker.onSuccess();
      breaker.onSuccess();
      expect(breaker.state).to.equal('closed');
      // (F) F S S F: the first failure left the window: 2 of 4
      breaker.onFailure();
      expect(breaker.state).to.equal('closed');
      // S S F F: 2 of 4, then S F F F: 3 of 4 = 0.75
      breaker.onFailure();
      expect(breaker.state).to.equal('closed');
      breaker.onFailure();
      expect(breaker.state).to.equal('open');
    });

    it('starts a fresh window after closing again', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold }) => {
        const breaker = new CircuitBreaker(windowed, scheduler);
        breaker.onFailure();
        breaker.onFailure();
        breaker.onFailure();
        cold('100ms a').subscribe(() => {
          expect(breaker.tryAcquire()).to.equal(true);
          breaker.onSuccess();
          breaker.onFailure();
          breaker.onFailure(); // 2 of 2 in the new window: fewer than minimumCalls
          expect(breaker.state).to.equal('closed');
        });
      });
    });
  });

  it('dispose() cancels the half-open timer and completes state$', () => {
    const scheduler = testScheduler();
    let seen: Array<[number, CircuitState]> = [];
    let completed = false;
    scheduler.run(() => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 100 }, scheduler);
      seen = record(breaker, scheduler);
      breaker.state$.subscribe({ complete: () => (completed = true) });
      breaker.onFailure();
      breaker.dispose();
    });
    expect(seen).to.deep.equal([
      [0, 'closed'],
      [0, 'open'],
    ]);
    expect(completed).to.equal(true);
  });

  it('validates its options, naming circuitBreaker.*', () => {
    const build = (o: Partial<CircuitBreakerOptions>) => () =>
      new CircuitBreaker({ ...options, ...o } as CircuitBreakerOptions);
    expect(build({ failureThreshold: 0 })).to.throw(
      TypeError,
      'Expected `circuitBreaker.failureThreshold` to be an integer >= 1, got `0` (number)',
    );
    expect(build({ resetTimeoutMs: -1 })).to.throw(
      'Expected `circuitBreaker.resetTimeoutMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
    expect(build({ halfOpenMax: 0 })).to.throw(
      'Expected `circuitBreaker.halfOpenMax` to be an integer >= 1, got `0` (number)',
    );
    expect(build({ window: { size: 0, failureRatio: 0.5 } })).to.throw(
      'Expected `circuitBreaker.window.size` to be an integer >= 1, got `0` (number)',
    );
    expect(build({ window: { size: 5, minimumCalls: 6, failureRatio: 0.5 } })).to.throw(
      'Expected `circuitBreaker.window.minimumCalls` to be an integer from 1 to 5, got `6` (number)',
    );
    expect(build({ window: { size: 5, failureRatio: 0 } })).to.throw(
      'Expected `circuitBreaker.window.failureRatio` to be a number in (0, 1], got `0` (number)',
    );
    expect(build({ window: 3 as unknown as CircuitBreakerOptions['window'] })).to.throw(
      'Expected `circuitBreaker.window` to be an object',
    );
    expect(() => new CircuitBreaker({ ...options, failureThreshold: -2 }, undefined, '')).to.throw(
      'Expected `failureThreshold` to be',
    );
  });
});
