import { expect } from 'chai';
import { NEVER, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { BatchError } from '../../lib/errors/batch-error';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import {
  batchHandler,
  BatchItemFailure,
  type BatchContext,
  type BatchOptions,
} from '../../lib/task/batch-handler';
import type { WorkerPoolOptions } from '../../lib/pool/options';
import type { WorkerPool } from '../../lib/pool/worker-pool';
import { newTestScheduler, poolOn, recordResults, silent } from '../support/pool-fixtures';
import { WorkerPool as Pool } from '../../lib/pool/worker-pool';

type Reply = ReadonlyArray<string | BatchItemFailure>;

/**
 * A pool on virtual time whose batch function records each call as `frame:[inputs]` and
 * answers after `callFrames` frames, by `reply` (default: each input upper-cased).
 */
function batchPool(
  scheduler: TestScheduler,
  cold: (marbles: string, values: Record<string, Reply>) => Observable<Reply>,
  batch: BatchOptions,
  options: Partial<WorkerPoolOptions<string, string>> & {
    callFrames?: number;
    reply?: (inputs: string[], ctx: BatchContext<string>) => Reply | Observable<Reply>;
  } = {},
) {
  const calls: string[] = [];
  const contexts: BatchContext<string>[] = [];
  const { callFrames = 5, reply, ...poolOptions } = options;
  const pool = poolOn<string, string>(scheduler, {
    concurrency: 1,
    retry: { maxAttempts: 1 },
    handler: batchHandler((inputs: string[], ctx) => {
      calls.push(`${scheduler.now()}:${inputs.join(',')}`);
      contexts.push(ctx);
      const answer = reply?.(inputs, ctx) ?? inputs.map((input) => input.toUpperCase());
      if (!Array.isArray(answer)) return answer as never;
      return cold(`${'-'.repeat(callFrames)}(r|)`, { r: answer }) as never;
    }, batch),
    ...poolOptions,
  });
  const seen = recordResults(scheduler, pool.results$, (r) =>
    r.status === 'succeeded' ? `${r.task.input}=${r.value}` : `${r.task.input}:${r.error?.name}`,
  );
  const submit = (input: string, options?: Parameters<WorkerPool<string, string>['submit']>[1]) => {
    void pool.submit(input, options).catch(() => undefined);
  };
  return { pool, calls, contexts, seen, submit };
}

describe('pool: batches', () => {
  describe('formation', () => {
    it('a full batch starts at once; a partial one after maxWaitMs', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { calls, seen, submit } = batchPool(scheduler, cold, { maxSize: 3, maxWaitMs: 10 });
        for (const input of ['a', 'b', 'c', 'd', 'e']) submit(input);
        scheduler.flush();
        // a,b,c fill the first batch at 0; d,e form the next when the slot frees at 5 and wait
        // out maxWaitMs there.
        expect(calls).to.deep.equal(['0:a,b,c', '15:d,e']);
        expect(seen).to.deep.equal(['5:a=A', '5:b=B', '5:c=C', '20:d=D', '20:e=E']);
      });
    });

    it('a forming batch holds its slot and takes what arrives until it is full', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, calls, submit } = batchPool(scheduler, cold, { maxSize: 3, maxWaitMs: 10 });
        submit('a');
        expect(pool.size).to.equal(1); // still waiting: it counts in size
        scheduler.schedule(() => submit('b'), 2);
        scheduler.schedule(() => submit('c'), 4);
        scheduler.flush();
        expect(calls).to.deep.equal(['4:a,b,c']);
      });
    });

    it('maxWaitMs 0 starts with what waits', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { calls, submit } = batchPool(scheduler, cold, { maxSize: 10 }, { concurrency: 2 });
        for (const input of ['a', 'b', 'c', 'd']) submit(input);
        scheduler.flush();
        // Two slots: a alone, b alone; c,d wait for a slot and go together.
        expect(calls).to.deep.equal(['0:a', '0:b', '5:c,d']);
      });
    });

    it('weights fill a batch, which closes at the first task that does not fit', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { calls, submit } = batchPool(scheduler, cold, { maxSize: 5, maxWaitMs: 10 });
        submit('a', { weight: 2 });
        submit('b', { weight: 2 });
        submit('c', { weight: 2 });
        submit('d', { weight: 1 });
        scheduler.flush();
        // a+b = 4 units; c (2) does not fit: the batch closes without waiting, and c does not
        // let d jump ahead of it. c+d = 3 units then wait out maxWaitMs.
        expect(calls).to.deep.equal(['0:a,b', '15:c,d']);
      });
    });

    it('a weight above maxSize is a RangeError at submit', async () => {
      const pool = new Pool<string, string>({
        logger: silent,
        handler: batchHandler((inputs: string[]) => inputs, { maxSize: 5 }),
      });
      const error = await pool.submit('x', { weight: 6 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.equal(
        '`weight` 6 is above `maxSize of the batch handler` 5: a task that heavy could never start',
      );
      await pool.shutdown();
    });

    it('batches follow the priority order, and keys take turns inside a batch', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, calls, submit } = batchPool(scheduler, cold, { maxSize: 2, maxWaitMs: 10 });
        pool.pause();
        submit('l1', { priority: 'low' });
        submit('l2', { priority: 'low' });
        submit('h1', { priority: 'high' });
        submit('a1', { key: 'a' });
        submit('a2', { key: 'a' });
        submit('b1', { key: 'b' });
        pool.resume();
        scheduler.flush();
        expect(calls).to.deep.equal(['0:h1,a1', '5:b1,a2', '10:l1,l2']);
      });
    });

    it('a key limit counts the key’s items', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { calls, submit } = batchPool(
          scheduler,
          cold,
          { maxSize: 10 },
          { concurrency: 2, keys: { concurrency: 2 } },
        );
        for (const input of ['a1', 'a2', 'a3', 'a4']) submit(input, { key: 'a' });
        submit('b1', { key: 'b' });
        scheduler.flush();
        // a1 and a2 start alone, one per slot, and take key a's two places. When a1's call
        // ends, b1 and a3 fill the next batch; a4 waits, a's places taken again, for a2's.
        expect(calls).to.deep.equal(['0:a1', '0:a2', '5:b1,a3', '5:a4']);
      });
    });

    it('a run() task runs alone, with its own function', async () => {
      const calls: string[][] = [];
      const pool = new Pool<string, string>({
        logger: silent,
        concurrency: 1,
        handler: batchHandler(
          (inputs: string[]) => {
            calls.push(inputs);
            return inputs;
          },
          { maxSize: 10 },
        ),
      });
      pool.pause();
      const results = [pool.submit('a'), pool.run(() => 'run'), pool.submit('b')];
      pool.resume();
      expect(await Promise.all(results)).to.deep.equal(['a', 'run', 'b']);
      expect(calls).to.deep.equal([['a'], ['b']]);
      await pool.shutdown();
    });
  });

  describe('results', () => {
    it('a BatchItemFailure fails its item alone, which is retried in a later batch', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        let failed = false;
        const { pool, calls, seen, submit } = batchPool(
          scheduler,
          cold,
          { maxSize: 3 },
          {
            retry: { maxAttempts: 2, backoff: { delayMs: () => 1 } },
            reply: (inputs) =>
              inputs.map((input) => {
                if (input !== 'b' || failed) return input.toUpperCase();
                failed = true;
                return new BatchItemFailure(new Error('b failed'));
              }),
          },
        );
        pool.pause();
        for (const input of ['a', 'b', 'c']) submit(input);
        pool.resume();
        scheduler.flush();
        expect(calls).to.deep.equal(['0:a,b,c', '6:b']);
        expect(seen).to.deep.equal(['5:a=A', '5:c=C', '11:b=B']);
      });
    });

    it('a throw fails every item with a BatchError carrying the cause; each is retried by its own policy', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const boom = new Error('database down');
        let calls = 0;
        const errors: unknown[] = [];
        const { seen, submit, pool } = batchPool(
          scheduler,
          cold,
          { maxSize: 3 },
          {
            reply: () => {
              calls++;
              if (calls === 1) throw boom;
              return ['x', 'y'];
            },
          },
        );
        pool.results$.subscribe((r) => errors.push(...(r.errors ?? [])));
        pool.pause();
        submit('a', { retry: { maxAttempts: 2, backoff: { delayMs: () => 0 } } });
        submit('b'); // the pool's policy: one attempt
        pool.resume();
        scheduler.flush();
        expect(seen).to.deep.equal(['0:b:BatchError', '5:a:BatchError']);
        const first = errors[0] as BatchError;
        expect(first).to.be.instanceOf(BatchError);
        expect(first.cause).to.equal(boom);
        expect(first.size).to.equal(2);
        // a's retry got a batch of its own, whose reply had the wrong length.
        expect((errors.at(-1) as Error).message).to.equal(
          'The batch function returned 2 results for 1 inputs',
        );
      });
    });

    it('a result that is not an array fails the batch, naming what came back', async () => {
      const pool = new Pool<string, string>({
        logger: silent,
        retry: { maxAttempts: 1 },
        handler: batchHandler(async () => 'nope' as never, { maxSize: 2 }),
      });
      const error = await pool.submit('a').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(BatchError);
      expect((error as Error).message).to.match(
        /returned `nope` \(string\) instead of an array of 1/,
      );
      await pool.shutdown();
    });

    it('metrics().batches counts calls, items and sizes', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, submit } = batchPool(scheduler, cold, { maxSize: 3, maxWaitMs: 2 });
        for (const input of ['a', 'b', 'c', 'd']) submit(input);
        scheduler.flush();
        expect(pool.metrics().batches).to.deep.equal({
          count: 2,
          items: 4,
          size: { p50: 1, p99: 3, max: 3 },
        });
        expect(pool.metrics().started).to.equal(4);
        expect(pool.metrics().succeeded).to.equal(4);
      });
    });

    it('a pool without a batch handler has no batches metrics', async () => {
      const pool = new Pool<number, number>({ logger: silent, handler: (n) => n });
      expect(pool.metrics().batches).to.equal(undefined);
      await pool.shutdown();
    });
  });

  describe('timeouts, cancel and shutdown', () => {
    it('the call runs under the smallest timeoutMs of its items; each item times out', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, seen, submit, contexts } = batchPool(
          scheduler,
          cold,
          { maxSize: 3 },
          { timeoutMs: 20, callFrames: 50, abortGraceMs: 0 },
        );
        pool.pause();
        submit('a');
        submit('b', { timeoutMs: 7 });
        pool.resume();
        scheduler.flush();
        expect(seen).to.deep.equal(['7:a:TaskTimeoutError', '7:b:TaskTimeoutError']);
        expect(contexts[0].signal.aborted).to.equal(true);
        expect(contexts[0].signal.reason).to.be.instanceOf(TaskTimeoutError);
        expect(pool.metrics().timeouts).to.equal(2);
      });
    });

    it('a cancelled item of a forming batch leaves it; an emptied batch frees its slot', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, calls, seen, submit } = batchPool(scheduler, cold, {
          maxSize: 3,
          maxWaitMs: 10,
        });
        submit('a', { id: 'a' });
        submit('b', { id: 'b' });
        expect(pool.taskState('a')).to.equal('waiting');
        expect(pool.setPriority('a', 'high')).to.equal(false); // taken: no longer in the queue
        expect(pool.cancel('a')).to.equal(true);
        expect(pool.size).to.equal(1);
        scheduler.flush();
        expect(calls).to.deep.equal(['10:b']);
        expect(seen).to.deep.equal(['0:a:TaskCancelledError', '15:b=B']);
      });
    });

    it('a cancelled item of a running call ends at once; the call is aborted only when all are', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, seen, submit, contexts } = batchPool(
          scheduler,
          cold,
          { maxSize: 3 },
          { callFrames: 10, abortGraceMs: 0 },
        );
        pool.pause();
        for (const id of ['a', 'b', 'c']) submit(id, { id });
        pool.resume();
        scheduler.schedule(() => pool.cancel('a'), 2);
        scheduler.flush();
        expect(seen).to.deep.equal(['2:a:TaskCancelledError', '10:b=B', '10:c=C']);
        expect(contexts[0].signal.aborted).to.equal(false);

        pool.pause();
        for (const id of ['d', 'e']) submit(id, { id });
        pool.resume();
        scheduler.schedule(() => pool.cancel('d'), 1);
        scheduler.schedule(() => pool.cancel('e'), 2);
        scheduler.flush();
        expect(contexts[1].signal.aborted).to.equal(true);
        expect(contexts[1].signal.reason).to.be.instanceOf(TaskCancelledError);
        expect(pool.metrics().active).to.equal(0);
      });
    });

    it('shutdown drains a batch in progress, or aborts it as one attempt at the deadline', async () => {
      let signal: AbortSignal | undefined;
      const pool = new Pool<string, string>({
        logger: silent,
        concurrency: 1,
        abortGraceMs: 0,
        handler: batchHandler(
          (_inputs: string[], ctx) => {
            signal = ctx.signal;
            return new Promise<never>(() => undefined); // never answers
          },
          { maxSize: 2 },
        ),
      });
      pool.pause();
      const results = ['a', 'b', 'c'].map((input) =>
        pool.submit(input).catch((e: Error) => e.name),
      );
      pool.resume(); // a and b go in one call; c waits for the slot
      const report = await pool.shutdown({ timeoutMs: 0 });
      expect(signal?.aborted).to.equal(true);
      expect(report.aborted.map((task) => task.input)).to.deep.equal(['a', 'b']);
      expect(report.cancelled.map((task) => task.input)).to.deep.equal(['c']);
      expect(await Promise.all(results)).to.deep.equal([
        'TaskCancelledError',
        'TaskCancelledError',
        'TaskCancelledError',
      ]);
    });

    it('shutdown closes a forming batch at once rather than waiting out maxWaitMs', async () => {
      const pool = new Pool<string, string>({
        logger: silent,
        handler: batchHandler((inputs: string[]) => inputs, { maxSize: 10, maxWaitMs: 60_000 }),
      });
      const result = pool.submit('a');
      const report = await pool.shutdown({ timeoutMs: 10_000 });
      expect(await result).to.equal('a');
      expect(report.completed).to.equal(1);
      expect(report.timedOut).to.equal(false);
    });

    it('an Observable call is unsubscribed when aborted: its slot is free at once', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { seen, submit } = batchPool(
          scheduler,
          cold,
          { maxSize: 2 },
          { timeoutMs: 5, abortGraceMs: 1_000, reply: () => NEVER },
        );
        submit('a');
        submit('b');
        scheduler.flush();
        expect(seen).to.deep.equal(['5:a:TaskTimeoutError', '10:b:TaskTimeoutError']);
      });
    });

    it('a call that ignores its abort is given up on after abortGraceMs', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ cold }) => {
        const { pool, seen, submit } = batchPool(
          scheduler,
          cold,
          { maxSize: 2 },
          // A promise that never settles: nothing stops it.
          {
            timeoutMs: 5,
            abortGraceMs: 20,
            reply: () => new Promise<never>(() => undefined) as never,
          },
        );
        submit('a');
        submit('b');
        scheduler.flush();
        // Timed out at 5; the results come with the slot, when the grace runs out at 25 (as
        // for a single attempt); b's call then starts, times out at 30, is let go at 50.
        expect(seen).to.deep.equal(['25:a:TaskTimeoutError', '50:b:TaskTimeoutError']);
        expect(pool.metrics().abandoned).to.equal(2);
      });
    });
  });
});
