import { expect } from 'chai';
import { Subject, VirtualTimeScheduler, asyncScheduler } from 'rxjs';
import pino from 'pino';
import { runCleanups } from '../../lib/shutdown/run-cleanups';
import type { DrainReport } from '../../lib/shutdown/shutdown-report';
import { WorkerPool } from '../../lib/pool/worker-pool';

const silent = pino({ level: 'silent' });
const drained: DrainReport<unknown> = {
  completed: 0,
  cancelled: [],
  aborted: [],
  rejected: 0,
  withdrawn: 0,
  timedOut: false,
};

describe('shutdown/run-cleanups', () => {
  it('runs last registered first; a throw is failed and the rest still run', async () => {
    const order: string[] = [];
    const outcomes = await runCleanups(
      [
        function first() {
          order.push('first');
        },
        function second() {
          order.push('second');
          throw new Error('boom');
        },
      ],
      drained,
      1_000,
      asyncScheduler,
      silent,
    );
    expect(order).to.deep.equal(['second', 'first']);
    expect(outcomes.map((o) => `${o.name} ${o.status}`)).to.deep.equal([
      'second failed',
      'first ok',
    ]);
  });

  it('a hung cleanup is timed out on the scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const running = runCleanups(
      [() => new Promise(() => undefined)],
      drained,
      50,
      scheduler,
      silent,
    );
    await Promise.resolve();
    scheduler.flush();
    const [outcome] = await running;
    expect(outcome.status).to.equal('timed-out');
  });

  it('once forced, waits for no cleanup: each still starts, a running one is forced', async () => {
    const forced$ = new Subject<void>();
    let hungStarted!: () => void;
    const started = new Promise<void>((resolve) => (hungStarted = resolve));
    const ran: string[] = [];
    const running = runCleanups(
      [
        function quick() {
          ran.push('quick');
        },
        function hung() {
          hungStarted();
          return new Promise<void>(() => undefined);
        },
      ],
      drained,
      Infinity,
      asyncScheduler,
      silent,
      forced$,
    );
    await started;
    forced$.next();
    const outcomes = await running;
    // quick() runs after the force: it still starts, and a synchronous one still counts.
    expect(outcomes.map((o) => `${o.name} ${o.status}`)).to.deep.equal(['hung forced', 'quick ok']);
    expect(ran).to.deep.equal(['quick']);
  });

  it('a forced shutdown of a pool does not wait for a running cleanup (a second signal)', async () => {
    const pool = new WorkerPool<number, number>({
      logger: silent,
      handler: (n) => n,
      shutdown: { cleanupTimeoutMs: 600_000 },
    });
    const ran: string[] = [];
    let hungStarted!: () => void;
    const started = new Promise<void>((resolve) => (hungStarted = resolve));
    pool.onShutdown(function quick() {
      ran.push('quick');
    });
    pool.onShutdown(function hung() {
      hungStarted();
      return new Promise<void>(() => undefined);
    });
    const first = pool.shutdown();
    await started;
    const forced = pool.shutdown({ force: true });
    expect(forced).to.equal(first);
    const report = await forced;
    expect(report.cleanup.map((o) => `${o.name} ${o.status}`)).to.deep.equal([
      'hung forced',
      'quick ok',
    ]);
    expect(ran).to.deep.equal(['quick']);
  });
});
