import { expect } from 'chai';
import { recordResults, newTestScheduler, poolOn } from '../support/pool-fixtures';
import type { PoolEvent } from '../../lib/pool/pool-events';

describe('WorkerPool rateLimit and circuitBreaker', () => {
  it('rateLimit spaces task starts: at most `limit` per interval', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      const starts: number[] = [];
      const pool = poolOn<number, number>(scheduler, {
        concurrency: 10,
        rateLimit: { limit: 2, intervalMs: 10 },
        handler: (n) => {
          starts.push(scheduler.now());
          return cold('-(n|)', { n });
        },
      });
      for (let i = 0; i < 6; i++) void pool.submit(i);
      scheduler.flush();
      expect(starts).to.deep.equal([0, 0, 10, 10, 20, 20]);
      expect(pool.metrics().succeeded).to.equal(6);
    });
  });

  it('an open breaker pauses dispatch (tasks stay queued) and a half-open probe resumes it', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      let downUntil = 30; // the downstream fails until t=30
      const pool = poolOn<string, string>(scheduler, {
        concurrency: 1,
        retry: { maxAttempts: 1 },
        circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 50 },
        handler: (v) => (scheduler.now() < downUntil ? cold('-#') : cold('-(v|)', { v })),
      });
      const seen = recordResults(scheduler, pool.results$, (r) => `${r.task.input}:${r.status}`);
      for (const v of ['a', 'b', 'c', 'd']) void pool.submit(v).catch(() => undefined);
      scheduler.schedule(() => {
        // Open since t=2: nothing runs, c and d wait in the queue.
        expect([pool.metrics().queued, pool.metrics().active]).to.deep.equal([2, 0]);
        expect(pool.health().status).to.equal('degraded');
      }, 20);
      scheduler.flush();
      // a, b fail (t1, t2) and open the breaker; at t52 it goes half-open: c is the probe,
      // succeeds at t53 and closes it; d follows.
      expect(seen).to.deep.equal(['1:a:failed', '2:b:failed', '53:c:succeeded', '54:d:succeeded']);
      downUntil = 0;
    });
  });

  it('a failed probe reopens the breaker for another resetTimeoutMs', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      const pool = poolOn<string, string>(scheduler, {
        concurrency: 2,
        retry: { maxAttempts: 1 },
        circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 10 },
        handler: (v) => (scheduler.now() < 15 ? cold('-#') : cold('-(v|)', { v })),
      });
      const seen = recordResults(scheduler, pool.results$, (r) => `${r.task.input}:${r.status}`);
      for (const v of ['a', 'b', 'c', 'd']) void pool.submit(v).catch(() => undefined);
      scheduler.flush();
      // a and b fail at t1 and open it; at t11 c is the one probe (d waits although a slot is
      // free) and fails at t12, opening it again; at t22 d probes, succeeds and closes it.
      expect(seen).to.deep.equal(['1:a:failed', '1:b:failed', '12:c:failed', '23:d:succeeded']);
    });
  });
});

describe('WorkerPool queue management (what p-queue users reach for)', () => {
  it('isRateLimited stays on through passes stopped by the concurrency limit or a pause', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, flush }) => {
      // 8 tasks of 5 ms, 2 starts per 100 ms, 1 slot: every pass after a task ends is stopped
      // by the slot or by the bucket; the bucket holds tasks back from the second start on.
      const pool = poolOn<number, number>(scheduler, {
        concurrency: 1,
        rateLimit: { limit: 2, intervalMs: 100 },
        handler: (n) => cold('-----(v|)', { v: n }),
      });
      const events: string[] = [];
      pool.events$.subscribe((e: PoolEvent) => {
        if (e.type === 'rate-limited' || e.type === 'rate-limit-cleared') {
          events.push(`${scheduler.now()}:${e.type}`);
        }
      });
      for (let n = 0; n < 8; n++) void pool.submit(n);
      const seen: boolean[] = [];
      for (const at of [1, 6, 11, 50, 101, 150, 210, 350]) {
        scheduler.schedule(() => seen.push(pool.isRateLimited), at);
      }
      pool.pause();
      scheduler.schedule(() => pool.resume(), 2);
      flush();
      // Limited from the first pass (the pool is paused before the bucket is touched: it is
      // not limited then) until the last task starts at 305 (starts: 0, 5, 100, 105, ..., 305).
      expect(seen).to.deep.equal([false, true, true, true, true, true, true, false]);
      expect(events).to.deep.equal(['5:rate-limited', '305:rate-limit-cleared']);
      void pool.shutdown();
    });
  });

  it('isRateLimited turns on while tasks wait for the rate limit, with one event per change', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, flush }) => {
      const pool = poolOn<number, number>(scheduler, {
        concurrency: 10,
        rateLimit: { limit: 1, intervalMs: 10 },
        handler: (n) => cold('-(v|)', { v: n }),
      });
      const events: string[] = [];
      pool.events$.subscribe((e: PoolEvent) => {
        if (e.type === 'rate-limited' || e.type === 'rate-limit-cleared') {
          events.push(`${scheduler.now()}:${e.type}:${pool.isRateLimited}`);
        }
      });
      expect(pool.isRateLimited).to.equal(false);
      for (const n of [1, 2, 3]) void pool.submit(n);
      expect(pool.isRateLimited).to.equal(true);
      flush();
      expect(pool.isRateLimited).to.equal(false);
      // Limited from the second task on; clear once the third could start at 20.
      expect(events).to.deep.equal(['0:rate-limited:true', '20:rate-limit-cleared:false']);
      void pool.shutdown();
    });
  });
});
