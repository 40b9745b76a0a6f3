import { expect } from 'chai';
import fc from 'fast-check';
import { Subject, VirtualTimeScheduler, defer, throwError, timer, tap, mergeMap } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import { PoolClosedError } from '../../lib/errors/pool-closed-error';
import type { TaskResult } from '../../lib/task/task';
import type { Priority } from '../../lib/task/priority';
import { silent } from '../support/pool-fixtures';

interface TaskPlan {
  at: number;
  priority: Priority;
  durations: number[]; // per attempt
  failures: number; // attempts that fail before it succeeds
  stream: boolean; // through the process() stream instead of submit()
}

const taskPlan = fc.record({
  at: fc.integer({ min: 0, max: 60 }),
  priority: fc.constantFrom<Priority>(0, 1, 2, 3),
  durations: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 3, maxLength: 3 }),
  failures: fc.integer({ min: 0, max: 3 }),
  stream: fc.boolean(),
});

const workload = fc.record({
  tasks: fc.array(taskPlan, { minLength: 0, maxLength: 40 }),
  limits: fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 80 }), limit: fc.integer({ min: 1, max: 5 }) }),
    {
      maxLength: 5,
    },
  ),
  capacity: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  overflow: fc.constantFrom<'reject' | 'drop-lowest'>('reject', 'drop-lowest'),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  timeoutMs: fc.option(fc.integer({ min: 3, max: 15 }), { nil: undefined }),
  unsubscribeAt: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
  shutdownAt: fc.integer({ min: 0, max: 120 }),
  shutdownTimeout: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
});

describe('WorkerPool invariants (property-based)', function () {
  this.timeout(60_000);

  it('every accepted task ends in exactly one result, the limit holds, and the shutdown report accounts for every task', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const scheduler = new VirtualTimeScheduler(undefined, Infinity);
        let running = 0;
        let overLimit = 0;
        const plans = new Map<number, TaskPlan>();
        const pool = new WorkerPool<number, number>({
          logger: silent,
          scheduler,
          concurrency: { min: 1, max: 5, initial: 2 },
          queue: { capacity: w.capacity, overflow: w.overflow },
          timeoutMs: w.timeoutMs,
          abortGraceMs: 2,
          retry: {
            maxAttempts: w.maxAttempts,
            backoff: new FixedBackoff({ initialMs: 3, jitter: 'none' }),
          },
          handler: (n, { attempt }) => {
            // The limit in force as the pool sees it (a concurrency$ subscriber made here would
            // hear of a raise only after the pool has acted on it).
            if (running >= pool.metrics().concurrency) overLimit++;
            running++;
            const plan = plans.get(n) as TaskPlan;
            const work = timer(plan.durations[attempt - 1], scheduler).pipe(
              mergeMap(() =>
                attempt <= plan.failures ? throwError(() => new Error(`fail ${attempt}`)) : [n],
              ),
            );
            // tap runs before the pool sees the end, so `running` is exact when the next one starts.
            return defer(() => work).pipe(
              tap({
                error: () => running--,
                complete: () => running--,
                unsubscribe: () => running--,
              }),
            );
          },
        });
        const results: TaskResult<number, number>[] = [];
        pool.results$.subscribe((r) => results.push(r));

        const stream = new Subject<number>();
        const streamSubscription = pool.process(stream).subscribe();
        let submitted = 0;
        let refusedAfterClose = 0;
        w.tasks.forEach((plan, n) => {
          plans.set(n, plan);
          scheduler.schedule(() => {
            if (plan.stream) {
              // After shutdown began, process() has stopped taking from its source.
              if (!streamSubscription.closed && !closing) {
                submitted++;
                stream.next(n);
              }
              return;
            }
            submitted++;
            pool.submit(n, { priority: plan.priority }).catch((e: unknown) => {
              if (e instanceof PoolClosedError) refusedAfterClose++;
            });
          }, plan.at);
        });
        for (const change of w.limits)
          scheduler.schedule(() => pool.setConcurrency(change.limit), change.at);
        if (w.unsubscribeAt !== undefined)
          scheduler.schedule(() => streamSubscription.unsubscribe(), w.unsubscribeAt);
        let report!: ReturnType<typeof pool.shutdown>;
        let closing = false;
        scheduler.schedule(() => {
          closing = true;
          report = pool.shutdown({ timeoutMs: w.shutdownTimeout });
        }, w.shutdownAt);
        scheduler.flush();
        const r = await report;
        await Promise.resolve();

        // Tasks refused with PoolClosedError were never accepted (after shutdown began).
        const accepted = submitted - refusedAfterClose;
        const ids = results.map((x) => x.task.id);
        expect(new Set(ids).size, 'one result per task').to.equal(ids.length);
        expect(ids.length, 'no task lost').to.equal(accepted);
        expect(overLimit, 'started over the limit').to.equal(0);
        expect(
          r.completed + r.cancelled.length + r.aborted.length + r.rejected + r.withdrawn,
          'report accounts',
        ).to.equal(accepted);
        for (const result of results) expect(result.attempts).to.be.at.most(w.maxAttempts);
      }),
      { numRuns: 150 },
    );
  });
});
