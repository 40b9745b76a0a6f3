import { expect } from 'chai';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { HANDLER_LIFECYCLE } from '../../lib/pool/handler-lifecycle';
import { silent } from '../support/pool-fixtures';

describe('WorkerPool hardening', () => {
  describe('a resource-owning handler (HANDLER_LIFECYCLE)', () => {
    it('is told of each abort with the attempt\u2019s context, caps the limit and is closed at shutdown', async () => {
      const aborted: [string, string][] = [];
      let closed = false;
      const handler = Object.assign(
        (_n: number) => new Promise<number>(() => {}), // never settles by itself
        {
          [HANDLER_LIFECYCLE]: {
            maxConcurrency: 2,
            abort: (ctx: { task: { id: string } }, reason: Error) =>
              aborted.push([ctx.task.id, reason.name]),
            close: async () => {
              closed = true;
            },
          },
        },
      );
      const pool = new WorkerPool<number, number>({
        logger: silent,
        handler,
        timeoutMs: 5,
        abortGraceMs: 1,
        retry: { maxAttempts: 1 },
      });
      expect(pool.metrics().concurrency).to.equal(2); // starts at the handler's ceiling
      expect(() => pool.setConcurrency(3)).to.throw(RangeError);
      const error = await pool.submit(1, { id: 'slow' }).catch((e: Error) => e);
      expect((error as Error).name).to.equal('TaskTimeoutError');
      expect(aborted).to.deep.equal([['slow', 'TaskTimeoutError']]);
      await pool.shutdown();
      expect(closed).to.equal(true);
    });
  });
});
