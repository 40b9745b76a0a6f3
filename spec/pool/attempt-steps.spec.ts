import { expect } from 'chai';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { silent } from '../support/pool-fixtures';

describe('WorkerPool hardening', () => {
  describe('retry policies that misbehave', () => {
    it('a backoff delay over 2^31-1 ms, NaN, or a throwing retryIf fails the task with that error', async () => {
      const cases: [string, Partial<import('../../lib/retry/retry-options').RetryOptions>][] = [
        ['huge delay', { backoff: { delayMs: () => 1e12 } }],
        ['NaN delay', { backoff: { delayMs: () => NaN } }],
        [
          'throwing retryIf',
          {
            retryIf: () => {
              throw new Error('retryIf broke');
            },
          },
        ],
      ];
      for (const [name, retry] of cases) {
        const pool = new WorkerPool<number, number>({
          logger: silent,
          retry,
          handler: () => {
            throw new Error('handler failed');
          },
        });
        const error = (await pool.submit(1).catch((e: Error) => e)) as Error;
        expect(error, name).to.be.instanceOf(Error);
        expect(error.message, name).to.match(/delayMs\(1\)|retryIf broke/);
        expect(pool.metrics().failed, name).to.equal(1);
        expect((await pool.shutdown()).completed, name).to.equal(1);
      }
    });
  });
});
