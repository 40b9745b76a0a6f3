import { expect } from 'chai';
import fc from 'fast-check';
import { Subject, VirtualTimeScheduler, defer, throwError, timer, tap, mergeMap } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import { PoolClosedError } from '../../lib/errors/pool-closed-error';
import type { Handler, TaskResult } from '../../lib/task/task';
import { batchHandler, BatchItemFailure } from '../../lib/task/batch-handler';
import type { Priority } from '../../lib/task/priority';
import { silent } from '../support/pool-fixtures';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface TaskPlan {
  at: number;
  priority: Priority;
  durations: number[]; // per attempt
  failures: number; // attempts that fail before it succeeds
  stream: boolean; // through the process() stream instead of submit()
  kind: 'observable' | 'thenable' | 'hostile'; // hostile: a thenable whose then() throws
  ownTimeoutMs: number | undefined; // a per-task timeout: one deadline list per distinct value
  cancelAt: number | undefined; // the caller aborts its signal then (submit() tasks)
  weight: number; // its share of a batch, with a batch handler (submit() tasks)
}

const taskPlan = fc.record({
  at: fc.integer({ min: 0, max: 60 }),
  priority: fc.constantFrom<Priority>(0, 1, 2, 3),
  durations: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 3, maxLength: 3 }),
  failures: fc.integer({ min: 0, max: 3 }),
  stream: fc.boolean(),
  kind: fc.constantFrom<TaskPlan['kind']>('observable', 'observable', 'thenable', 'hostile'),
  ownTimeoutMs: fc.option(fc.integer({ min: 3, max: 20 }), { nil: undefined }),
  cancelAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  weight: fc.integer({ min: 1, max: 3 }),
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
  // Half the runs use a batch handler: the same plans, taken in batches.
  batch: fc.option(
    fc.record({
      maxSize: fc.integer({ min: 3, max: 6 }),
      maxWaitMs: fc.integer({ min: 0, max: 6 }),
    }),
    { nil: undefined },
  ),
});

// A forced collection without starting node with --expose-gc: the flag is set at run time and
// a fresh context hands out the `gc` function.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('WorkerPool: every accepted task ends in exactly one result (task-end)', function () {
  this.timeout(60_000);

  it('every accepted task ends in exactly one result, the limit holds, and the shutdown report accounts for every task', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const scheduler = new VirtualTimeScheduler(undefined, Infinity);
        let running = 0;
        let overLimit = 0;
        const plans = new Map<number, TaskPlan>();
        function single(n: number, { attempt, signal }: Parameters<Handler<number, number>>[1]) {
          // The limit in force as the pool sees it (a concurrency$ subscriber made here would
          // hear of a raise only after the pool has acted on it).
          if (running >= pool.metrics().concurrency) overLimit++;
          running++;
          const plan = plans.get(n) as TaskPlan;
          if (plan.kind === 'hostile') {
            running--;
            return {
              then() {
                throw new Error('then() threw');
              },
            } as unknown as Promise<number>;
          }
          if (plan.kind === 'thenable') {
            // A well-behaved thenable: it settles on its own or as soon as it is aborted.
            return {
              then(ok: (v: number) => void, fail: (e: unknown) => void) {
                let done = false;
                const end = (settle: () => void): void => {
                  if (done) return;
                  done = true;
                  running--;
                  settle();
                };
                scheduler.schedule(
                  () =>
                    end(() =>
                      attempt <= plan.failures ? fail(new Error(`fail ${attempt}`)) : ok(n),
                    ),
                  plan.durations[attempt - 1],
                );
                signal.addEventListener('abort', () => end(() => fail(signal.reason)));
              },
            } as unknown as Promise<number>;
          }
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
        }
        // One call per batch, holding one slot: as long as its longest item; an item fails alone
        // (BatchItemFailure) while its plan says so, and a hostile item fails the whole call.
        const batched = batchHandler<number, number>(
          (inputs, { attempts }) => {
            // A batch took its slot when it began to form, up to maxWaitMs ago: a limit lowered
            // since then lets it keep the slot, as a running attempt keeps its own.
            const since = scheduler.now() - (w.batch?.maxWaitMs ?? 0);
            const allowed = Math.max(
              pool.metrics().concurrency,
              ...limits.filter((change) => change.at >= since).map((change) => change.limit),
              [...limits].reverse().find((change) => change.at < since)?.limit ?? 0,
            );
            if (running >= allowed) overLimit++;
            running++;
            const itemPlans = inputs.map((n) => plans.get(n) as TaskPlan);
            const duration = Math.max(
              ...itemPlans.map((plan, i) => plan.durations[attempts[i] - 1]),
            );
            const hostile = itemPlans.some((plan) => plan.kind === 'hostile');
            const work = timer(duration, scheduler).pipe(
              mergeMap(() =>
                hostile
                  ? throwError(() => new Error('the whole call failed'))
                  : [
                      inputs.map((n, i) =>
                        attempts[i] <= itemPlans[i].failures
                          ? new BatchItemFailure(new Error(`fail ${attempts[i]}`))
                          : n,
                      ),
                    ],
              ),
            );
            return defer(() => work).pipe(
              tap({
                error: () => running--,
                complete: () => running--,
                unsubscribe: () => running--,
              }),
            );
          },
          w.batch ?? { maxSize: 1 },
        );
        const pool: WorkerPool<number, number> = new WorkerPool<number, number>({
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
          handler: w.batch === undefined ? single : batched,
        });
        const limits: { at: number; limit: number }[] = [];
        pool.concurrency$.subscribe((limit) => limits.push({ at: scheduler.now(), limit }));
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
            let signal: AbortSignal | undefined;
            if (plan.cancelAt !== undefined) {
              const controller = new AbortController();
              signal = controller.signal;
              scheduler.schedule(() => controller.abort(), plan.cancelAt);
            }
            const weight = w.batch === undefined ? undefined : plan.weight;
            const options = {
              priority: plan.priority,
              timeoutMs: plan.ownTimeoutMs,
              signal,
              weight,
            };
            pool.submit(n, options).catch((e: unknown) => {
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
      {
        numRuns: Number(process.env.INVARIANT_RUNS ?? 150),
        seed: process.env.INVARIANT_SEED ? Number(process.env.INVARIANT_SEED) : undefined,
      },
    );
  });

  it('results the caller keeps do not keep the finished attempts (the handlers’ contexts) alive', async () => {
    const contexts: WeakRef<object>[] = [];
    const pool = new WorkerPool<number, number>({
      logger: silent,
      concurrency: 8,
      handler: async (n, ctx) => {
        contexts.push(new WeakRef(ctx));
        return n;
      },
    });
    const kept: unknown[] = [];
    const subscription = pool.results$.subscribe((result) => kept.push(result));
    const tasks = 2_000;
    for (let i = 0; i < tasks; i++) void pool.submit(i);
    await pool.onIdle();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    gc();
    const alive = contexts.filter((ref) => ref.deref() !== undefined).length;
    expect(kept).to.have.length(tasks);
    // A finished task used to hold its last attempt: every result kept one alive (and a task
    // queued in a burst kept its attempt through the young generation's collections).
    expect(alive, `${alive} of ${tasks} contexts still alive`).to.be.at.most(tasks / 100);
    subscription.unsubscribe();
    await pool.shutdown();
  });
});
