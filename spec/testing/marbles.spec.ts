import { expect } from 'chai';
import { firstValueFrom, map, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { WorkerPool } from '../../lib/index';
import { marbles } from '../../lib/testing';
import { silent } from '../support/pool-fixtures';

/** An async handler that takes `frames` virtual frames, like an awaited I/O call. */
const after = (frames: number, scheduler: TestScheduler) => async (n: number) => {
  await firstValueFrom(timer(frames, scheduler));
  return n * 2;
};

describe('testing/marbles (rxjs-worker-pool/testing)', () => {
  it('inside TestScheduler.run() a Promise handler delivers nothing: the problem marbles solves', () => {
    const scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
    scheduler.run(({ cold, expectObservable }) => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        handler: async (n) => n,
      });
      expectObservable(pool.process(cold('a|', { a: 1 }))).toBe('-');
    });
  });

  it('delivers Promise results at the frames they settle, in marble syntax', () =>
    marbles(({ cold, expectObservable, scheduler }) => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        concurrency: 1,
        handler: after(3, scheduler),
      });
      const values$ = pool.process(cold('(abc|)', { a: 1, b: 2, c: 3 })).pipe(map((r) => r.value));
      expectObservable(values$).toBe('---x--y--(z|)', { x: 2, y: 4, z: 6 });
    }));

  it('a timeout at its frame aborts the attempt; the retry waits out its backoff', () =>
    marbles(({ cold, expectObservable, scheduler }) => {
      let calls = 0;
      const pool = new WorkerPool<number, string>({
        logger: silent,
        scheduler,
        timeoutMs: 10,
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 5, maxMs: 5 } },
        handler: (n, { signal }) =>
          ++calls === 1
            ? new Promise<string>((_, reject) =>
                signal.addEventListener('abort', () => reject(signal.reason)),
              )
            : Promise.resolve(`ok ${n}`),
      });
      const results$ = pool
        .process(cold('a|', { a: 7 }))
        .pipe(map((r) => `${r.status} ${r.value} ${r.attempts} ${r.runMs}`));
      // Timed out at 10, backoff to 15, the second attempt settles in that frame.
      expectObservable(results$).toBe('15ms (r|)', { r: 'succeeded ok 7 2 10' });
    }));

  it('the callback may await the pool: a shutdown deadline on virtual time', () =>
    marbles(async ({ scheduler }) => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        handler: (n, { signal }) =>
          n === 1
            ? after(4, scheduler)(n)
            : new Promise<number>((_, reject) =>
                signal.addEventListener('abort', () => reject(signal.reason)),
              ),
      });
      const first = pool.submit(1);
      void pool.submit(2).catch(() => undefined);
      expect(await first).to.equal(2);
      expect(scheduler.now()).to.equal(4);
      const report = await pool.shutdown({ timeoutMs: 20 });
      expect(scheduler.now()).to.equal(24);
      expect(report.aborted.map((t) => t.input)).to.deep.equal([2]);
      expect(report.timedOut).to.equal(true);
    }));

  it('rejects with the first expectation that fails', async () => {
    const failure = await marbles(({ cold, expectObservable, scheduler }) => {
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        handler: after(2, scheduler),
      });
      expectObservable(pool.process(cold('a|', { a: 1 })).pipe(map((r) => r.value))).toBe('-(x|)', {
        x: 2,
      });
    }).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(Error);
    expect((failure as Error).message).to.match(/Expected values to be strictly deep-equal/);
  });

  it('restores the TestScheduler settings it changed', async () => {
    const before = TestScheduler.frameTimeFactor;
    await marbles(({ cold, expectObservable }) => expectObservable(cold('a|')).toBe('a|'));
    expect(TestScheduler.frameTimeFactor).to.equal(before);
  });
});
