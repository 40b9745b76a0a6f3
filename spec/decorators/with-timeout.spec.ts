import { expect } from 'chai';
import sinon from 'sinon';
import { TestScheduler } from 'rxjs/testing';
import { withTimeout } from '../../lib/decorators/with-timeout';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';

/** Settles `promise` into an inspectable record without unhandled rejections. */
function track<T>(promise: Promise<T>): {
  state: 'pending' | 'resolved' | 'rejected';
  value?: T;
  error?: unknown;
} {
  const record: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = {
    state: 'pending',
  };
  promise.then(
    (value) => Object.assign(record, { state: 'resolved', value }),
    (error: unknown) => Object.assign(record, { state: 'rejected', error }),
  );
  return record;
}

describe('withTimeout', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  const after = <T>(ms: number, value: T): Promise<T> =>
    new Promise((resolve) => setTimeout(() => resolve(value), ms));

  it('resolves with the value when fn settles in time', async () => {
    const fn = withTimeout((x: number) => after(30, x * 2), 50);
    const result = track(fn(21));
    await clock.tickAsync(30);
    expect(result).to.deep.equal({ state: 'resolved', value: 42 });
    expect(clock.countTimers()).to.equal(0);
  });

  it('rejects with TaskTimeoutError exactly at timeoutMs', async () => {
    const fn = withTimeout(() => after(1000, 'late'), 50);
    const result = track(fn());
    await clock.tickAsync(49);
    expect(result.state).to.equal('pending');
    await clock.tickAsync(1);
    expect(result.state).to.equal('rejected');
    expect(result.error).to.be.instanceOf(TaskTimeoutError);
    expect((result.error as TaskTimeoutError).timeoutMs).to.equal(50);
  });

  it('passes on a new signal, aborted with the TaskTimeoutError on timeout', async () => {
    const caller = new AbortController();
    let passed: { signal: AbortSignal; attempt: number; task: { id: string } } | undefined;
    const fn = withTimeout(
      (input: string, ctx: { signal: AbortSignal; attempt: number; task: { id: string } }) => {
        passed = ctx;
        return new Promise<string>(() => undefined);
      },
      100,
    );
    const result = track(fn('x', { signal: caller.signal, attempt: 2, task: { id: 't1' } }));
    expect(passed?.signal).to.not.equal(caller.signal);
    expect(passed?.attempt).to.equal(2);
    expect(passed?.task).to.deep.equal({ id: 't1' });
    expect(passed?.signal.aborted).to.equal(false);
    await clock.tickAsync(100);
    expect(passed?.signal.aborted).to.equal(true);
    expect(passed?.signal.reason).to.equal(result.error);
    expect(result.error).to.be.instanceOf(TaskTimeoutError);
    expect((result.error as TaskTimeoutError).taskId).to.equal('t1');
    expect((result.error as TaskTimeoutError).attempt).to.equal(2);
    expect(caller.signal.aborted).to.equal(false);
  });

  it("aborts the passed signal when the caller's signal aborts, with its reason", async () => {
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    const fn = withTimeout(
      (ctx: { signal: AbortSignal }) =>
        new Promise<void>((_, reject) => {
          signal = ctx.signal;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
      100,
    );
    const result = track(fn({ signal: caller.signal }));
    const reason = new Error('stop');
    caller.abort(reason);
    await clock.tickAsync(0);
    expect(signal?.aborted).to.equal(true);
    expect(signal?.reason).to.equal(reason);
    expect(result).to.deep.equal({ state: 'rejected', error: reason });
  });

  it("passes an aborted signal when the caller's is aborted already", async () => {
    const caller = new AbortController();
    caller.abort('gone');
    let aborted: boolean | undefined;
    const fn = withTimeout((ctx: { signal: AbortSignal }) => {
      aborted = ctx.signal.aborted;
      return 1;
    }, 100);
    expect(await fn({ signal: caller.signal })).to.equal(1);
    expect(aborted).to.equal(true);
  });

  it('stops listening to the caller signal once settled', async () => {
    const caller = new AbortController();
    const add = sinon.spy(caller.signal, 'addEventListener');
    const remove = sinon.spy(caller.signal, 'removeEventListener');
    const fn = withTimeout((ctx: { signal: AbortSignal }) => ctx.signal.aborted, 100);
    expect(await fn({ signal: caller.signal })).to.equal(false);
    expect(add.callCount).to.equal(1);
    expect(remove.callCount).to.equal(1);
    expect(remove.firstCall.args[1]).to.equal(add.firstCall.args[1]);
  });

  it('passes arguments through and supports sync values and throws', async () => {
    const add = withTimeout((a: number, b: number) => a + b, 10);
    expect(await add(2, 3)).to.equal(5);
    const boom = new Error('sync');
    const thrower = withTimeout((): number => {
      throw boom;
    }, 10);
    await thrower().then(
      () => expect.fail('should reject'),
      (e: unknown) => expect(e).to.equal(boom),
    );
  });

  it('passes a rejection of fn on', async () => {
    const error = new Error('async');
    const fn = withTimeout(() => Promise.reject(error), 10);
    await fn().then(
      () => expect.fail('should reject'),
      (e: unknown) => expect(e).to.equal(error),
    );
  });

  it('validates timeoutMs', () => {
    expect(() => withTimeout(() => 1, 0)).to.throw(
      TypeError,
      'Expected `timeoutMs` to be a number of ms above 0, at most 2147483647, got `0` (number)',
    );
    expect(() => withTimeout(() => 1, Infinity)).to.throw(TypeError);
  });

  describe('on a TestScheduler', () => {
    it('runs on a TestScheduler', async () => {
      const scheduler = new TestScheduler((a, e) => {
        expect(a).to.deep.equal(e);
      });
      let result: Promise<never> | undefined;
      scheduler.run(() => {
        const fn = withTimeout(() => new Promise<never>(() => undefined), 500, { scheduler });
        result = fn();
      });
      expect(scheduler.now()).to.equal(500);
      await result?.then(
        () => expect.fail('should reject'),
        (e: unknown) => expect(e).to.be.instanceOf(TaskTimeoutError),
      );
    });
  });
});
