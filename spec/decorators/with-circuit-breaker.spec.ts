import { expect } from 'chai';
import sinon from 'sinon';
import { withCircuitBreaker } from '../../lib/decorators/with-circuit-breaker';
import { CircuitBreaker } from '../../lib/resilience/circuit-breaker';
import { CircuitOpenError } from '../../lib/errors/circuit-open-error';
import * as barrel from '../../lib/decorators';

describe('withCircuitBreaker', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  function flaky(): { fn: (ok: boolean) => Promise<string>; calls: () => number } {
    let calls = 0;
    return {
      fn: (ok: boolean) => {
        calls++;
        return ok ? Promise.resolve('ok') : Promise.reject(new Error('down'));
      },
      calls: () => calls,
    };
  }

  it('passes calls through while closed', async () => {
    const { fn } = flaky();
    const guarded = withCircuitBreaker(fn, { failureThreshold: 2, resetTimeoutMs: 1000 });
    expect(await guarded(true)).to.equal('ok');
    expect(guarded.breaker.state).to.equal('closed');
  });

  it('opens after failureThreshold failures and then rejects at once without calling fn', async () => {
    const { fn, calls } = flaky();
    const guarded = withCircuitBreaker(fn, { failureThreshold: 2, resetTimeoutMs: 1000 });
    await guarded(false).catch(() => undefined);
    await guarded(false).catch(() => undefined);
    expect(guarded.breaker.state).to.equal('open');
    await clock.tickAsync(300);
    const error = await guarded(true).then(
      () => expect.fail('should reject'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAt).to.equal(1000);
    expect((error as CircuitOpenError).retryInMs).to.equal(700);
    expect(calls()).to.equal(2);
  });

  it('after resetTimeoutMs lets a probe through; its success closes the breaker', async () => {
    const { fn, calls } = flaky();
    const guarded = withCircuitBreaker(fn, { failureThreshold: 1, resetTimeoutMs: 1000 });
    const states: string[] = [];
    guarded.breaker.state$.subscribe((s) => states.push(s));
    await guarded(false).catch(() => undefined);
    await clock.tickAsync(1000);
    expect(guarded.breaker.state).to.equal('half-open');
    expect(await guarded(true)).to.equal('ok');
    expect(states).to.deep.equal(['closed', 'open', 'half-open', 'closed']);
    expect(calls()).to.equal(2);
  });

  it('a failed probe opens it again', async () => {
    const { fn } = flaky();
    const guarded = withCircuitBreaker(fn, { failureThreshold: 1, resetTimeoutMs: 1000 });
    await guarded(false).catch(() => undefined);
    await clock.tickAsync(1000);
    await guarded(false).catch(() => undefined);
    expect(guarded.breaker.state).to.equal('open');
    expect(guarded.breaker.retryAt()).to.equal(2000);
  });

  it('only one probe at a time by default', async () => {
    const guarded = withCircuitBreaker(
      (wait: boolean) =>
        wait ? new Promise<string>(() => undefined) : Promise.reject(new Error()),
      { failureThreshold: 1, resetTimeoutMs: 10 },
    );
    await guarded(false).catch(() => undefined);
    await clock.tickAsync(10);
    void guarded(true); // the probe, still running
    await guarded(true).then(
      () => expect.fail('should reject'),
      (e: unknown) => expect(e).to.be.instanceOf(CircuitOpenError),
    );
  });

  it('counts a synchronous throw as a failure and rejects with it', async () => {
    const boom = new Error('sync');
    const guarded = withCircuitBreaker(
      (): number => {
        throw boom;
      },
      { failureThreshold: 1, resetTimeoutMs: 10 },
    );
    await guarded().then(
      () => expect.fail('should reject'),
      (e: unknown) => expect(e).to.equal(boom),
    );
    expect(guarded.breaker.state).to.equal('open');
  });

  it('works with a window', async () => {
    const { fn } = flaky();
    const guarded = withCircuitBreaker(fn, {
      failureThreshold: 100,
      resetTimeoutMs: 10,
      window: { size: 4, failureRatio: 0.5 },
    });
    for (const ok of [true, false, true]) await guarded(ok).catch(() => undefined);
    expect(guarded.breaker.state).to.equal('closed');
    await guarded(false).catch(() => undefined);
    expect(guarded.breaker.state).to.equal('open');
  });

  it('attaches a read-only breaker', () => {
    const guarded = withCircuitBreaker(() => 1, { failureThreshold: 1, resetTimeoutMs: 10 });
    expect(guarded.breaker).to.be.instanceOf(CircuitBreaker);
    expect(() => {
      (guarded as unknown as { breaker: unknown }).breaker = null;
    }).to.throw(TypeError);
    expect(guarded.breaker).to.be.instanceOf(CircuitBreaker);
  });

  it('validates its options at once', () => {
    expect(() => withCircuitBreaker(() => 1, { failureThreshold: 0, resetTimeoutMs: 10 })).to.throw(
      TypeError,
      'Expected `failureThreshold` to be an integer >= 1, got `0` (number)',
    );
  });

  it('is exported from the decorators barrel with the others', () => {
    expect(Object.keys(barrel).sort()).to.deep.equal([
      'withCircuitBreaker',
      'withRateLimit',
      'withRetry',
      'withTimeout',
    ]);
  });
});
