import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { silent } from '../support/pool-fixtures';

// A forced collection without starting node with --expose-gc: the flag is set at run time and
// a fresh context hands out the `gc` function.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

/** Memory follows what is live, not what has passed through (generous thresholds: no flakes). */
describe('WorkerPool memory stays bounded', function () {
  this.timeout(30_000);

  it('a distinct timeoutMs per task (deadline - Date.now()) leaves no deadline list behind', async () => {
    const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
    // Warm up, so lazily made structures are not counted.
    for (let i = 0; i < 100; i++) await pool.submit(i, { timeoutMs: 5_000 + i });
    const before = heapAfterGc();
    const tasks = 50_000;
    for (let i = 0; i < tasks; i++) void pool.submit(i, { timeoutMs: 10_000 + i });
    await pool.onIdle();
    const grown = heapAfterGc() - before;
    // One list per task used to cost ~700 bytes each: ~35 MB here.
    expect(grown, `${(grown / MB).toFixed(1)} MB`).to.be.below(12 * MB);
    await pool.shutdown();
  });

  it('tasks cancelled by their caller while queued are freed without waiting for their turn', async () => {
    const pool = new WorkerPool<{ payload: string }, number>({ logger: silent, handler: () => 1 });
    pool.pause();
    // One task stays queued at the same level, so nothing is ever dequeued.
    const keeper = pool.submit({ payload: 'keep' }).catch(() => 0);
    const before = heapAfterGc();
    const tasks = 20_000;
    const controllers: AbortController[] = [];
    const settled: Promise<unknown>[] = [];
    for (let i = 0; i < tasks; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      // ~1 KB of input per task: 20 MB held while queued.
      const payload = `${i}`.padEnd(1024, '.');
      settled.push(pool.submit({ payload }, { signal: controller.signal }).catch(() => 0));
    }
    for (const controller of controllers) controller.abort();
    await Promise.all(settled);
    controllers.length = 0;
    settled.length = 0;
    const grown = heapAfterGc() - before;
    expect(pool.metrics().queued).to.equal(1);
    // Held until their turn, they used to cost ~56 MB here.
    expect(grown, `${(grown / MB).toFixed(1)} MB`).to.be.below(12 * MB);
    await pool.shutdown({ timeoutMs: 0 });
    await keeper;
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

  it('6,000 pools made and shut down in a row free their histograms (no WebAssembly exhaustion)', async () => {
    // Before, each pool's ten HDR histograms waited for the GC's finalizers; a loop like this
    // ran WebAssembly memory out ("RuntimeError: unreachable") after ~4,500 pools.
    for (let i = 0; i < 6_000; i++) {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      await pool.submit(i);
      await pool.shutdown();
      if (i === 5_999) expect(pool.metrics().latency.runMs.max).to.be.at.least(0);
    }
  });
});
