import { expect } from 'chai';
import { VirtualTimeScheduler, range, take, lastValueFrom, toArray } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { ConfigError } from '../../lib/errors/config-error';
import { silent } from '../support/pool-fixtures';

describe('WorkerPool hardening', () => {
  describe('streams stop like RxJS streams', () => {
    it('a synchronous downstream take(1) stops a synchronous source: one handler runs, not 100,000', async () => {
      let calls = 0;
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler: (n) => (calls++, n),
      });
      const results = await lastValueFrom(pool.process(range(0, 1e5)).pipe(take(1), toArray()));
      expect(results.map((r) => r.value)).to.deep.equal([0]);
      expect(calls).to.equal(1);
      expect(pool.metrics().submitted).to.equal(1);
      await pool.shutdown();
    });
  });

  describe('durations are held to what a Node timer can wait (2^31-1 ms)', () => {
    const tooLong = 2 ** 31;
    for (const [name, options] of [
      ['timeoutMs', { timeoutMs: tooLong }],
      ['abortGraceMs', { abortGraceMs: tooLong }],
      ['shutdown.timeoutMs', { shutdown: { timeoutMs: tooLong } }],
      ['shutdown.cleanupTimeoutMs', { shutdown: { cleanupTimeoutMs: tooLong } }],
      ['metrics.intervalMs', { metrics: { intervalMs: tooLong } }],
      [
        'retry.backoff.maxMs',
        { retry: { backoff: { strategy: 'fixed', initialMs: 1, maxMs: tooLong } } },
      ],
      ['rateLimit.intervalMs', { rateLimit: { limit: 1, intervalMs: tooLong } }],
      ['queue.agingMs', { queue: { agingMs: tooLong } }],
    ] as const) {
      it(`refuses ${name} above it, naming the option`, () => {
        expect(() => new WorkerPool({ logger: silent, ...options })).to.throw(ConfigError, name);
      });
    }

    it('refuses it at a call: shutdown({ timeoutMs }) and a task timeoutMs reject, naming it', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const err = await pool.submit(1, { timeoutMs: 1e10 }).catch((e: Error) => e);
      expect(err).to.be.instanceOf(TypeError);
      expect((err as Error).message)
        .to.contain('`timeoutMs`')
        .and.contain('2147483647');
      const refused = pool.shutdown({ timeoutMs: tooLong });
      expect(refused).to.be.instanceOf(Promise);
      expect(await refused.catch((e: Error) => e.message)).to.contain('2147483647');
      // Refused arguments did not start the shutdown: the pool still works.
      expect(await pool.submit(2)).to.equal(2);
      await pool.shutdown();
    });

    it('shutdown({ timeoutMs: -1 }) rejects instead of throwing', async () => {
      const pool = new WorkerPool({ logger: silent });
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = pool.shutdown({ timeoutMs: -1 }))).not.to.throw();
      expect(await (promise as Promise<unknown>).catch((e: unknown) => e)).to.be.instanceOf(
        TypeError,
      );
      await pool.shutdown();
    });

    it('takes Infinity where it means no limit, and arms no timer for it', async () => {
      const scheduler = new VirtualTimeScheduler();
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        handler: (n) => n,
        timeoutMs: Infinity,
        abortGraceMs: Infinity,
        queue: { capacity: Infinity, agingMs: Infinity },
        shutdown: { timeoutMs: Infinity, cleanupTimeoutMs: Infinity },
      });
      expect(await pool.submit(3, { timeoutMs: Infinity })).to.equal(3);
      expect(scheduler.actions.length).to.equal(0);
      const report = await pool.shutdown();
      expect(report.completed).to.equal(1);
    });
  });

  describe('per-task options are checked like pool options (plain JavaScript callers)', () => {
    it('an empty or non-string id is refused, naming it', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      for (const id of ['', 7]) {
        const error = await pool.submit(1, { id } as { id: string }).catch((e: Error) => e);
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(/^Expected `id` to be a non-empty string, got /);
      }
      expect(pool.metrics().submitted).to.equal(0);
      await pool.shutdown();
    });

    it('an unknown key is refused with a suggestion', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const typo = { priorty: 'high' } as unknown as { priority: 'high' };
      const error = await pool.submit(1, typo).catch((e: Error) => e);
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message)
        .to.contain('`priorty`: unknown key (did you mean priority?)')
        .and.contain('expected one of');
      const retryTypo = { retry: { maxAttempt: 2 } } as unknown as { retry: { maxAttempts: 2 } };
      expect(await pool.submit(1, retryTypo).catch((e: Error) => e.message)).to.contain(
        '`retry.maxAttempt`: unknown key (did you mean retry.maxAttempts?)',
      );
      expect(() => pool.process(range(0, 1), { id: 'x' } as never)).to.throw(TypeError, '`id`');
      expect(pool.metrics().submitted).to.equal(0);
      await pool.shutdown();
    });

    it('options that are not an object, and run() without a function, are refused at once', async () => {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const notOptions = 'opts' as unknown as undefined;
      expect(await pool.submit(1, notOptions).catch((e: Error) => e)).to.be.instanceOf(TypeError);
      const notFn = 'notfn' as unknown as () => number;
      const error = await pool.run(notFn).catch((e: Error) => e);
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.contain('`fn`');
      // Refused, not retried: no attempt started.
      expect(pool.metrics().started).to.equal(0);
      await pool.shutdown();
    });
  });
});
