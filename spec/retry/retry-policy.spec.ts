import { expect } from 'chai';
import { ExponentialBackoff } from '../../lib/backoff/exponential-backoff';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import type { Backoff, BackoffConfig } from '../../lib/backoff/backoff';
import { NonRetryableError } from '../../lib/errors/non-retryable-error';
import { WorkerPoolError } from '../../lib/errors/worker-pool-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import { DEFAULT_RETRY, resolveRetry, shouldRetry } from '../../lib/retry/retry-policy';
import type { RetryOptions } from '../../lib/retry/retry-options';

describe('retry-policy', () => {
  describe('DEFAULT_RETRY', () => {
    it('is 3 attempts, exponential from 100 ms, factor 2, capped at 30 s, full jitter', () => {
      expect(DEFAULT_RETRY).to.deep.equal({
        maxAttempts: 3,
        backoff: {
          strategy: 'exponential',
          initialMs: 100,
          factor: 2,
          maxMs: 30_000,
          jitter: 'full',
        },
      });
    });

    it('is frozen', () => {
      expect(Object.isFrozen(DEFAULT_RETRY)).to.equal(true);
      expect(Object.isFrozen(DEFAULT_RETRY.backoff)).to.equal(true);
    });
  });

  describe('resolveRetry', () => {
    it('builds the default backoff once', () => {
      const resolved = resolveRetry(DEFAULT_RETRY);
      expect(resolved.maxAttempts).to.equal(3);
      expect(resolved.backoff).to.be.instanceOf(ExponentialBackoff);
      expect(resolved.retryIf).to.equal(undefined);
      expect(resolved.backoff).to.equal(resolved.backoff);
    });

    it('merges the override key by key, ignoring undefined keys', () => {
      const retryIf = (): boolean => true;
      const resolved = resolveRetry(DEFAULT_RETRY, {
        maxAttempts: 5,
        backoff: undefined,
        retryIf,
      });
      expect(resolved.maxAttempts).to.equal(5);
      expect(resolved.backoff).to.be.instanceOf(ExponentialBackoff);
      expect(resolved.retryIf).to.equal(retryIf);
    });

    it('keeps a base retryIf unless overridden', () => {
      const retryIf = (): boolean => false;
      const base: RetryOptions = { ...DEFAULT_RETRY, retryIf };
      expect(resolveRetry(base, { maxAttempts: 2 }).retryIf).to.equal(retryIf);
    });

    it('turns a BackoffConfig into its class', () => {
      const config: BackoffConfig = { strategy: 'fixed', initialMs: 50, maxMs: 50 };
      const resolved = resolveRetry(DEFAULT_RETRY, { backoff: config });
      expect(resolved.backoff).to.be.instanceOf(FixedBackoff);
      expect(resolved.backoff.delayMs(3)).to.equal(50);
    });

    it('keeps a Backoff instance as it is', () => {
      const backoff: Backoff = { delayMs: () => 1 };
      expect(resolveRetry(DEFAULT_RETRY, { backoff }).backoff).to.equal(backoff);
    });

    it('refuses a maxAttempts that is not an integer >= 1, naming retry.maxAttempts', () => {
      expect(() => resolveRetry(DEFAULT_RETRY, { maxAttempts: 0 })).to.throw(
        TypeError,
        'Expected `retry.maxAttempts` to be an integer >= 1, got `0` (number)',
      );
      expect(() => resolveRetry(DEFAULT_RETRY, { maxAttempts: 1.5 })).to.throw(
        'Expected `retry.maxAttempts` to be an integer >= 1, got `1.5` (number)',
      );
      expect(() => resolveRetry(DEFAULT_RETRY, { maxAttempts: '3' as unknown as number })).to.throw(
        'Expected `retry.maxAttempts` to be an integer >= 1, got `3` (string)',
      );
    });

    it('uses the given path in messages', () => {
      expect(() => resolveRetry(DEFAULT_RETRY, { maxAttempts: -1 }, 'tasks[0].retry')).to.throw(
        'Expected `tasks[0].retry.maxAttempts` to be',
      );
    });

    it('names bad backoff values under retry.backoff', () => {
      expect(() =>
        resolveRetry(DEFAULT_RETRY, { backoff: { strategy: 'linear', initialMs: -5, maxMs: 10 } }),
      ).to.throw(
        'Expected `retry.backoff.initialMs` to be a number of ms from 0 to 2147483647, got `-5` (number)',
      );
    });

    it('refuses a retryIf that is not a function', () => {
      expect(() =>
        resolveRetry(DEFAULT_RETRY, { retryIf: true as unknown as RetryOptions['retryIf'] }),
      ).to.throw(TypeError, 'Expected `retry.retryIf` to be a function, got `true` (boolean)');
    });
  });

  describe('shouldRetry', () => {
    const policy = resolveRetry(DEFAULT_RETRY);

    it('retries an ordinary error before the last attempt', () => {
      expect(shouldRetry(policy, new Error('boom'), 1)).to.equal(true);
      expect(shouldRetry(policy, new Error('boom'), 2)).to.equal(true);
    });

    it('stops when attempt reaches maxAttempts', () => {
      expect(shouldRetry(policy, new Error('boom'), 3)).to.equal(false);
      expect(shouldRetry(policy, new Error('boom'), 4)).to.equal(false);
      expect(shouldRetry(resolveRetry(DEFAULT_RETRY, { maxAttempts: 1 }), new Error(), 1)).to.equal(
        false,
      );
    });

    it('retries a TaskTimeoutError', () => {
      expect(shouldRetry(policy, new TaskTimeoutError(100), 1)).to.equal(true);
    });

    it('never retries a NonRetryableError or a TaskCancelledError', () => {
      expect(shouldRetry(policy, new NonRetryableError('bad'), 1)).to.equal(false);
      expect(shouldRetry(policy, new TaskCancelledError('caller'), 1)).to.equal(false);
    });

    it('never retries an error marked with NonRetryableError.mark, whatever retryIf says', () => {
      const marked = NonRetryableError.mark(new TypeError('bad width'));
      expect(marked).to.be.instanceOf(TypeError);
      expect(marked.name).to.equal('TypeError');
      expect(NonRetryableError.isMarked(marked)).to.equal(true);
      expect(NonRetryableError.isMarked(new TypeError('x'))).to.equal(false);
      expect(NonRetryableError.isMarked('text')).to.equal(false);
      expect(shouldRetry(policy, marked, 1)).to.equal(false);
      const always = resolveRetry(DEFAULT_RETRY, { retryIf: () => true });
      expect(shouldRetry(always, marked, 1)).to.equal(false);
    });

    it('does not retry a WorkerPoolError with retryByDefault false, unless retryIf says so', () => {
      class OutOfMemory extends WorkerPoolError {
        override readonly retryByDefault = false;
      }
      expect(shouldRetry(policy, new OutOfMemory('heap'), 1)).to.equal(false);
      expect(shouldRetry(policy, new WorkerPoolError('other'), 1)).to.equal(true);
      const always = resolveRetry(DEFAULT_RETRY, { retryIf: () => true });
      expect(shouldRetry(always, new OutOfMemory('heap'), 1)).to.equal(true);
      // The declaration adds no field to every error.
      expect(Object.keys(new WorkerPoolError('x'))).to.not.include('retryByDefault');
    });

    it('asks retryIf with the error and the attempt', () => {
      const calls: unknown[][] = [];
      const error = new Error('boom');
      const resolved = resolveRetry(DEFAULT_RETRY, {
        retryIf: (e, attempt) => (calls.push([e, attempt]), attempt < 2),
      });
      expect(shouldRetry(resolved, error, 1)).to.equal(true);
      expect(shouldRetry(resolved, error, 2)).to.equal(false);
      expect(calls).to.deep.equal([
        [error, 1],
        [error, 2],
      ]);
    });

    it('does not ask retryIf once the attempts are used up or for a NonRetryableError', () => {
      let asked = 0;
      const resolved = resolveRetry(DEFAULT_RETRY, { retryIf: () => (asked++, true) });
      shouldRetry(resolved, new Error(), 3);
      shouldRetry(resolved, new NonRetryableError('no'), 1);
      expect(asked).to.equal(0);
    });
  });
});
