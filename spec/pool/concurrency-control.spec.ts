import { expect } from 'chai';
import { BehaviorSubject } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { silent } from '../support/pool-fixtures';

describe('WorkerPool hardening', () => {
  describe('concurrency: Infinity, like mergeMap', () => {
    it('is accepted as a number, by setConcurrency and from a concurrency Observable', async () => {
      const started: number[] = [];
      const handler = (n: number) => {
        started.push(n);
        return new Promise<number>((resolve) => setImmediate(() => resolve(n)));
      };
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler,
        concurrency: Infinity,
      });
      const all = Promise.all([1, 2, 3, 4, 5].map((n) => pool.submit(n)));
      expect(started).to.deep.equal([1, 2, 3, 4, 5]);
      await all;
      pool.setConcurrency(2);
      pool.setConcurrency(Infinity);
      expect(pool.metrics().concurrency).to.equal(Infinity);
      await pool.shutdown();

      const limit$ = new BehaviorSubject(1);
      const streamed = new WorkerPool<number, number>({
        logger: silent,
        handler,
        concurrency: limit$,
      });
      limit$.next(Infinity);
      expect(streamed.metrics().concurrency).to.equal(Infinity);
      await streamed.shutdown();
    });
  });
});
