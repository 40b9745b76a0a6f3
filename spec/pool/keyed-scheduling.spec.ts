import { expect } from 'chai';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import type { WorkerPoolOptions } from '../../lib/pool/options';
import { exposePrometheus } from '../../lib/metrics/prometheus';
import type { PoolEvent } from '../../lib/pool/pool-events';
import { silent } from '../support/pool-fixtures';

interface Job {
  name: string;
  key?: string;
  weight?: number;
}

/**
 * A pool whose handler holds every task until the spec finishes it: `started` lists what began,
 * in order, and `finish(name)` lets one end (awaiting its result).
 */
function heldPool(options: WorkerPoolOptions<Job, string>) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const pool = new WorkerPool<Job, string>({
    logger: silent,
    retry: { maxAttempts: 1 },
    // The held handlers never settle on abort: shutdown({ timeoutMs: 0 }) lets go of them at once.
    abortGraceMs: 0,
    ...options,
    handler: (job) =>
      new Promise<string>((resolve) => {
        started.push(job.name);
        release.set(job.name, () => resolve(job.name));
      }),
  });
  const results = new Map<string, Promise<string>>();
  const submit = (name: string, key?: string, weight?: number, priority?: 'low' | 'high') => {
    const result = pool.submit({ name, key, weight }, { id: name, key, weight, priority });
    result.catch(() => undefined);
    results.set(name, result);
    return result;
  };
  const finish = async (name: string): Promise<void> => {
    release.get(name)?.();
    await results.get(name);
  };
  return { pool, started, submit, finish };
}

/** What `promise` rejects with (undefined if it resolves). */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('pool: keys, weights and fairness', () => {
  it('a tenant that floods the queue does not delay a quiet one behind all of its tasks', async () => {
    const { pool, started, submit, finish } = heldPool({ concurrency: 1 });
    // Paused while they come: the queue holds them all when the first one starts.
    pool.pause();
    for (let i = 0; i < 10; i++) submit(`a${i}`, 'tenant-a');
    submit('b0', 'tenant-b');
    submit('b1', 'tenant-b');
    pool.resume();
    for (const name of ['a0', 'b0', 'a1', 'b1', 'a2']) await finish(name);
    expect(started.slice(0, 6)).to.deep.equal(['a0', 'b0', 'a1', 'b1', 'a2', 'a3']);
    await pool.shutdown({ timeoutMs: 0 });
  });

  it('keys.concurrency, keys.limits and setKeyLimit bound what one key runs', async () => {
    const { pool, started, submit, finish } = heldPool({
      concurrency: 10,
      keys: { concurrency: 1, limits: { big: 3 } },
    });
    for (let i = 0; i < 4; i++) submit(`s${i}`, 'small');
    for (let i = 0; i < 4; i++) submit(`b${i}`, 'big');
    expect(started).to.deep.equal(['s0', 'b0', 'b1', 'b2']);
    pool.setKeyLimit('small', 2);
    expect(started).to.have.length(5);
    expect(pool.metrics().keys?.top).to.deep.include({
      key: 'small',
      queued: 2,
      running: 2,
      succeeded: 0,
      failed: 0,
    });
    await finish('s0');
    expect(started.at(-1)).to.equal('s2');
    expect(pool.metrics().keys?.top.find((line) => line.key === 'small')?.succeeded).to.equal(1);
    expect(() => pool.setKeyLimit('small', 0)).to.throw(
      TypeError,
      /`limit` to be an integer from 1, got `0`/,
    );
    expect(() => pool.setKeyLimit(7 as never, 1)).to.throw(TypeError, /`key` to be a string/);
    await pool.shutdown({ timeoutMs: 0 });
  });

  it('a task holds its weight in slots; a heavy one is not starved by light ones', async () => {
    const { pool, started, submit, finish } = heldPool({ concurrency: 4 });
    submit('light1', undefined, 1);
    submit('light2', undefined, 2);
    submit('heavy', undefined, 4);
    submit('light3', undefined, 1);
    expect(started).to.deep.equal(['light1', 'light2']);
    expect(pool.metrics().active).to.equal(3);
    await finish('light1');
    expect(started).to.deep.equal(['light1', 'light2']); // light3 does not jump the heavy one
    await finish('light2');
    expect(started).to.deep.equal(['light1', 'light2', 'heavy']);
    expect(pool.metrics().active).to.equal(4);
    await pool.shutdown({ timeoutMs: 0 });
  });

  it('refuses a weight above the ceiling, naming both, and bad keys and weights', async () => {
    const fixed = new WorkerPool<string, string>({
      logger: silent,
      handler: (x) => x,
      concurrency: 4,
    });
    expect(await rejection(fixed.submit('x', { weight: 5 })))
      .to.be.instanceOf(RangeError)
      .with.property('message')
      .that.matches(/`weight` 5 is above `concurrency` 4/);
    expect(await rejection(fixed.submit('x', { weight: 1.5 })))
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.matches(/`weight` to be an integer from 1, got `1.5`/);
    expect(await rejection(fixed.submit('x', { key: 42 as never })))
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.matches(/`key` to be a string, got `42`/);
    const range = new WorkerPool<string, string>({
      logger: silent,
      handler: (x) => x,
      concurrency: { min: 1, max: 8 },
    });
    expect(await rejection(range.submit('x', { weight: 9 })))
      .to.be.instanceOf(RangeError)
      .with.property('message')
      .that.matches(/`weight` 9 is above `concurrency.max` 8/);
    expect(await range.submit('x', { weight: 8 })).to.equal('x');
    await fixed.shutdown();
    await range.shutdown();
  });

  it('process() takes key and weight as functions of the item', async () => {
    const seen: string[] = [];
    const pool = new WorkerPool<Job, string>({
      logger: silent,
      concurrency: 1,
      handler: (job) => (seen.push(job.name), job.name),
    });
    const items: Job[] = [
      { name: 'a1', key: 'a' },
      { name: 'a2', key: 'a' },
      { name: 'a3', key: 'a' },
      { name: 'b1', key: 'b' },
    ];
    // Paused while the stream fills the queue, so the turns decide the order.
    pool.pause();
    const done = lastValueFrom(
      pool.process(from(items), { key: (job) => job.key, weight: () => 1 }).pipe(toArray()),
    );
    pool.resume();
    const results = await done;
    expect(results.map((r) => r.task.key)).to.have.members(['a', 'a', 'a', 'b']);
    expect(seen).to.deep.equal(['a1', 'b1', 'a2', 'a3']);
    await pool.shutdown();
  });

  it('events carry the key, task records keep key and weight, and a retry keeps both', async () => {
    let calls = 0;
    const pool = new WorkerPool<string, string>({
      logger: silent,
      concurrency: 2,
      handler: (x) => {
        if (++calls === 1) throw new Error('once');
        return x;
      },
      retry: {
        maxAttempts: 2,
        backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1, jitter: 'none' },
      },
    });
    const events: PoolEvent[] = [];
    pool.events$.subscribe((event) => events.push(event));
    const result = await new Promise<unknown>((resolve) => {
      pool.results$.subscribe(resolve);
      void pool.submit('x', { id: 't', key: 'tenant', weight: 2 });
    });
    expect((result as { task: unknown }).task).to.deep.include({ key: 'tenant', weight: 2 });
    expect(JSON.parse(JSON.stringify((result as { task: unknown }).task))).to.include({
      key: 'tenant',
      weight: 2,
    });
    const taskEvents = events.filter((event) => 'taskId' in event);
    expect(taskEvents.map((event) => event.type)).to.deep.equal([
      'queued',
      'started',
      'retrying',
      'started',
      'succeeded',
    ]);
    for (const event of taskEvents) expect(event).to.have.property('key', 'tenant');
    // A task without a key has no key field at all.
    events.length = 0;
    await pool.submit('y');
    expect(
      events.filter((event) => 'taskId' in event).every((event) => !('key' in event)),
    ).to.equal(true);
    await pool.shutdown();
  });

  it('metrics().keys appears with the first key; Prometheus has a bounded series per key', async () => {
    const { pool, submit } = heldPool({ concurrency: 100, keys: { maxTracked: 2 } });
    expect(pool.metrics().keys).to.equal(undefined);
    for (let i = 0; i < 1000; i++) submit(`t${i}`, `key-${i % 500}`);
    const keys = pool.metrics().keys;
    expect(keys?.count).to.equal(500);
    expect(keys?.top).to.have.length(2);
    const text = await exposePrometheus(pool).metricsText();
    const series = text
      .split('\n')
      .filter((line) => line.startsWith('worker_pool_key_tasks_queued{'));
    expect(series).to.have.length(3); // two tracked keys and key="other"
    expect(text).to.contain('worker_pool_key_tasks_queued{key="other"} 898');
    await pool.shutdown({ timeoutMs: 0 });
  });

  it('cancel and clear work with keys; the key is forgotten once it has nothing', async () => {
    const { pool, started, submit, finish } = heldPool({
      concurrency: 1,
      keys: { concurrency: 1 },
    });
    submit('a0', 'a');
    submit('a1', 'a');
    submit('b0', 'b');
    expect(pool.cancel('a1')).to.equal(true);
    expect(pool.clear()).to.equal(1);
    await finish('a0');
    expect(started).to.deep.equal(['a0']);
    expect(pool.metrics().keys?.count).to.equal(0);
    await pool.shutdown();
  });
});

/**
 * The invariants of issue 25 over random programs: submits with random keys, weights and
 * priorities, finishing and cancelling tasks, changing key limits and the pool's limit.
 */
describe('pool: keys and weights, property', function () {
  this.timeout(120_000);
  const RUNS = Number(process.env.KEYED_PROPERTY_RUNS ?? 150);
  type Op =
    | {
        kind: 'submit';
        key: number | undefined;
        weight: number;
        priority: 'low' | 'normal' | 'high';
      }
    | { kind: 'finish'; pick: number }
    | { kind: 'cancel'; pick: number }
    | { kind: 'keyLimit'; key: number; limit: number | undefined }
    | { kind: 'concurrency'; limit: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('submit' as const),
        key: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        weight: fc.integer({ min: 1, max: 4 }),
        priority: fc.constantFrom('low' as const, 'normal' as const, 'high' as const),
      }),
      weight: 5,
    },
    { arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }), weight: 1 },
    {
      arbitrary: fc.record({
        kind: fc.constant('keyLimit' as const),
        key: fc.integer({ min: 0, max: 4 }),
        limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('concurrency' as const),
        limit: fc.integer({ min: 4, max: 8 }),
      }),
      weight: 1,
    },
  );

  it('never more slots than a key or the pool allows; every task ends once; every task starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 3 }),
        async (ops, keyConcurrency) => {
          const running = new Map<
            string,
            { key: string | undefined; weight: number; done: () => void }
          >();
          const startedTimes = new Map<string, number>();
          const outcomes = new Map<string, string[]>();
          const weights = new Map<string, number>();
          let poolLimit = 8;
          const keyLimits = new Map<string, number>();
          const limitOf = (key: string): number => keyLimits.get(key) ?? keyConcurrency;
          const violations: string[] = [];
          const pool = new WorkerPool<string, string>({
            logger: silent,
            concurrency: { min: 1, max: 8, initial: 8 },
            keys: { concurrency: keyConcurrency },
            retry: { maxAttempts: 1 },
            handler: (id, ctx) =>
              new Promise<string>((resolve) => {
                const { key, weight = 1 } = ctx.task;
                startedTimes.set(id, (startedTimes.get(id) ?? 0) + 1);
                // The invariants, checked at every start.
                const all = [...running.values()];
                const poolSlots = all.reduce((sum, r) => sum + Math.min(r.weight, poolLimit), 0);
                if (poolSlots > 0 && poolSlots + Math.min(weight, poolLimit) > poolLimit) {
                  violations.push(`pool: ${poolSlots} + ${weight} > ${poolLimit}`);
                }
                if (key !== undefined) {
                  const mine = all.filter((r) => r.key === key);
                  const slots = mine.reduce((sum, r) => sum + Math.min(r.weight, limitOf(key)), 0);
                  if (slots > 0 && slots + weight > limitOf(key)) {
                    violations.push(`key ${key}: ${slots} + ${weight} > ${limitOf(key)}`);
                  }
                }
                running.set(id, { key, weight, done: () => resolve(id) });
              }),
          });
          let serial = 0;
          const submitted: string[] = [];
          const promises: Promise<unknown>[] = [];
          const settle = async (id: string) => {
            const entry = running.get(id);
            if (entry === undefined) return;
            running.delete(id);
            entry.done();
            await Promise.resolve();
            await Promise.resolve();
          };
          for (const step of ops) {
            switch (step.kind) {
              case 'submit': {
                const id = `t${serial++}`;
                const key = step.key === undefined ? undefined : `k${step.key}`;
                weights.set(id, step.weight);
                submitted.push(id);
                promises.push(
                  pool.submit(id, { id, key, weight: step.weight, priority: step.priority }).then(
                    () => outcomes.set(id, [...(outcomes.get(id) ?? []), 'succeeded']),
                    (error: Error) => outcomes.set(id, [...(outcomes.get(id) ?? []), error.name]),
                  ),
                );
                break;
              }
              case 'finish': {
                const ids = [...running.keys()];
                if (ids.length > 0) await settle(ids[step.pick % ids.length]);
                break;
              }
              case 'cancel': {
                if (submitted.length > 0) pool.cancel(submitted[step.pick % submitted.length]);
                await Promise.resolve();
                break;
              }
              case 'keyLimit': {
                const key = `k${step.key}`;
                if (step.limit === undefined) keyLimits.delete(key);
                else keyLimits.set(key, step.limit);
                pool.setKeyLimit(key, step.limit);
                break;
              }
              case 'concurrency':
                poolLimit = step.limit;
                pool.setConcurrency(step.limit);
                break;
            }
          }
          // Drain: finish whatever runs until every task has ended (each must start or be cancelled).
          for (let guard = 0; guard < 10_000 && outcomes.size < submitted.length; guard++) {
            const ids = [...running.keys()];
            if (ids.length === 0) {
              // Nothing runs: what is left must settle within a few microtasks (or it is lost).
              if (guard > 100) break;
              await Promise.resolve();
              continue;
            }
            for (const id of ids) await settle(id);
          }
          await Promise.all(promises);
          await pool.shutdown();
          expect(violations).to.deep.equal([]);
          for (const id of submitted) {
            const ended = outcomes.get(id) ?? [];
            expect(ended, id).to.have.length(1);
            expect(startedTimes.get(id) ?? 0, id).to.be.at.most(1);
            if (ended[0] === 'succeeded') expect(startedTimes.get(id), id).to.equal(1);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
