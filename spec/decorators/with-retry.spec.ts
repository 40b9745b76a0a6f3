import { expect } from 'chai';
import sinon from 'sinon';
import { TestScheduler } from 'rxjs/testing';
import { withRetry } from '../../lib/decorators/with-retry';
import { NonRetryableError } from '../../lib/errors/non-retryable-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import type { Backoff } from '../../lib/backoff/backoff';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

async function rejection(promise: Promise<unknown> | undefined): Promise<unknown> {
  if (!promise) throw new Error('no promise');
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

const fixed10 = { strategy: 'fixed', initialMs: 10, maxMs: 10 } as const;

describe('withRetry', () => {
  afterEach(() => sinon.restore());

  it('maxAttempts 3 calls fn exactly 3 times, then rejects with the last error', async () => {
    const scheduler = testScheduler();
    const calls: number[] = [];
    let result: Promise<unknown> | undefined;
    scheduler.run(() => {
      const fn = withRetry(
        () => {
          calls.push(scheduler.now());
          throw new Error(`failure ${calls.length}`);
        },
        { maxAttempts: 3, backoff: fixed10 },
        { scheduler },
      );
      result = fn();
    });
    expect(calls).to.deep.equal([0, 10, 20]);
    expect(((await rejection(result)) as Error).message).to.equal('failure 3');
  });

  it('waits the exact backoff delays on virtual time', async () => {
    const scheduler = testScheduler();
    const calls: number[] = [];
    let result: Promise<unknown> | undefined;
    scheduler.run(() => {
      const fn = withRetry(
        () => {
          calls.push(scheduler.now());
          throw new Error('boom');
        },
        {
          maxAttempts: 4,
          backoff: { strategy: 'exponential', initialMs: 100, maxMs: 1000, jitter: 'none' },
        },
        { scheduler },
      );
      result = fn();
    });
    expect(calls).to.deep.equal([0, 100, 300, 700]);
    await rejection(result);
  });

  it('defaults to 3 attempts with exponential backoff and full jitter', async () => {
    sinon.stub(Math, 'random').returns(0.5);
    const scheduler = testScheduler();
    const calls: number[] = [];
    let result: Promise<unknown> | undefined;
    scheduler.run(() => {
      const fn = withRetry(
        () => {
          calls.push(scheduler.now());
          throw new Error('boom');
        },
        undefined,
        { scheduler },
      );
      result = fn();
    });
    // delays 100 × 0.5 and 200 × 0.5
    expect(calls).to.deep.equal([0, 50, 150]);
    await rejection(result);
  });

  it('resolves with the first success', async () => {
    const scheduler = testScheduler();
    let calls = 0;
    let result: Promise<string> | undefined;
    scheduler.run(() => {
      const fn = withRetry(
        (name: string) => {
          calls++;
          if (calls < 2) throw new Error('flaky');
          return `hello ${name}`;
        },
        { backoff: fixed10 },
        { scheduler },
      );
      result = fn('pool');
    });
    expect(await result).to.equal('hello pool');
    expect(calls).to.equal(2);
  });

  it('fails at once on a NonRetryableError', async () => {
    const scheduler = testScheduler();
    let calls = 0;
    const error = new NonRetryableError('bad input');
    let result: Promise<unknown> | undefined;
    scheduler.run(() => {
      result = withRetry(
        () => {
          calls++;
          throw error;
        },
        { maxAttempts: 5, backoff: fixed10 },
        { scheduler },
      )();
    });
    expect(calls).to.equal(1);
    expect(scheduler.now()).to.equal(0);
    expect(await rejection(result)).to.equal(error);
  });

  it('fails at once on a TaskCancelledError', async () => {
    let calls = 0;
    const error = new TaskCancelledError('caller');
    const fn = withRetry(() => {
      calls++;
      throw error;
    });
    expect(await rejection(fn())).to.equal(error);
    expect(calls).to.equal(1);
  });

  it('stops as soon as retryIf says false, asking it with the error and attempt', async () => {
    const scheduler = testScheduler();
    const asked: Array<[string, number]> = [];
    let calls = 0;
    let result: Promise<unknown> | undefined;
    scheduler.run(() => {
      result = withRetry(
        () => {
          calls++;
          throw new Error(calls === 2 ? 'fatal' : 'transient');
        },
        {
          maxAttempts: 5,
          backoff: fixed10,
          retryIf: (error, attempt) => {
            asked.push([(error as Error).message, attempt]);
            return (error as Error).message !== 'fatal';
          },
        },
        { scheduler },
      )();
    });
    expect(calls).to.equal(2);
    expect(asked).to.deep.equal([
      ['transient', 1],
      ['fatal', 2],
    ]);
    expect(((await rejection(result)) as Error).message).to.equal('fatal');
  });

  it('retries a TaskTimeoutError', async () => {
    let calls = 0;
    const fn = withRetry(
      () => {
        calls++;
        if (calls === 1) throw new TaskTimeoutError(100);
        return 'ok';
      },
      { backoff: { strategy: 'fixed', initialMs: 0, maxMs: 0 } },
    );
    expect(await fn()).to.equal('ok');
    expect(calls).to.equal(2);
  });

  it('maxAttempts 1 calls fn once', async () => {
    let calls = 0;
    const fn = withRetry(
      () => {
        calls++;
        throw new Error('once');
      },
      { maxAttempts: 1 },
    );
    await rejection(fn());
    expect(calls).to.equal(1);
  });

  it('asks the backoff with the retry number and the error', async () => {
    const scheduler = testScheduler();
    const asked: Array<[number, unknown]> = [];
    const backoff: Backoff = { delayMs: (attempt, error) => (asked.push([attempt, error]), 5) };
    const errors = [new Error('1'), new Error('2'), new Error('3')];
    let result: Promise<unknown> | undefined;
    scheduler.run(() => {
      let i = 0;
      result = withRetry(
        () => {
          throw errors[i++];
        },
        { maxAttempts: 3, backoff },
        { scheduler },
      )();
    });
    expect(asked).to.deep.equal([
      [1, errors[0]],
      [2, errors[1]],
    ]);
    await rejection(result);
  });

  it('retries async functions on real timers (faked)', async () => {
    const clock = sinon.useFakeTimers();
    try {
      let calls = 0;
      const fn = withRetry(
        async (x: number) => {
          calls++;
          if (calls < 3) throw new Error('not yet');
          return x + 1;
        },
        { maxAttempts: 3, backoff: { strategy: 'linear', initialMs: 100, maxMs: 1000 } },
      );
      let value: number | undefined;
      void fn(1).then((v) => (value = v));
      await clock.tickAsync(99);
      expect(calls).to.equal(1);
      await clock.tickAsync(1);
      expect(calls).to.equal(2);
      await clock.tickAsync(200);
      expect(calls).to.equal(3);
      expect(value).to.equal(2);
    } finally {
      clock.restore();
    }
  });

  it("stops retrying when the context's signal aborts during a backoff wait", async () => {
    const scheduler = testScheduler();
    const controller = new AbortController();
    const calls: number[] = [];
    let result: Promise<unknown> | undefined;
    scheduler.run(({ cold }) => {
      const fn = withRetry(
        (_input: string, _ctx: { signal: AbortSignal }) => {
          calls.push(scheduler.now());
          throw new Error(`failure ${calls.length}`);
        },
        { maxAttempts: 5, backoff: { strategy: 'fixed', initialMs: 100, maxMs: 100 } },
        { scheduler },
      );
      result = fn('x', { signal: controller.signal });
      cold('150ms a').subscribe(() => controller.abort());
    });
    expect(calls).to.deep.equal([0, 100]);
    expect(((await rejection(result)) as Error).message).to.equal('failure 2');
  });

  it('validates the retry options at once', () => {
    expect(() => withRetry(() => 1, { maxAttempts: 0 })).to.throw(
      TypeError,
      'Expected `retry.maxAttempts` to be an integer >= 1, got `0` (number)',
    );
  });
});
