import { expect } from 'chai';
import pino from 'pino';
import { map, timer } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { ScriptedUsageSource } from '../../lib/scaling/usage-source';
import type { TaskResult } from '../../lib/task/task';
import { newTestScheduler } from '../support/pool-fixtures';
import { advanceTo } from '../support/usage-fixtures';

describe('WorkerPool with autoscale (resource policy, scripted usage)', () => {
  it('follows the scripted readings, never aborts running tasks when lowering, and obeys a manual pin', async () => {
    const scheduler = newTestScheduler();
    // Ticks at 1 s, 2 s, 3 s grow; 4 s and 5 s shrink; then hold at the target.
    const usageSource = new ScriptedUsageSource([
      { cpuPercent: 10 },
      { cpuPercent: 10 },
      { cpuPercent: 10 },
      { cpuPercent: 90 },
      { cpuPercent: 90 },
      { cpuPercent: 75 },
    ]);
    const pool = new WorkerPool<number, number>({
      handler: (n) => timer(1500, scheduler).pipe(map(() => n * 2)),
      concurrency: { min: 1, max: 3, initial: 1, autoscale: { usageSource } },
      scheduler,
      retry: { maxAttempts: 1 },
      logger: pino({ level: 'silent' }),
    });
    const limits: [number, number][] = [];
    pool.concurrency$.subscribe((limit) => limits.push([scheduler.now(), limit]));
    const results: TaskResult<number, number>[] = [];
    pool.results$.subscribe((result) => results.push(result));
    for (let i = 0; i < 20; i++) pool.submit(i).catch(() => undefined);

    await advanceTo(scheduler, 7000);
    expect(limits).to.deep.equal([
      [0, 1],
      [1000, 2],
      [2000, 3],
      [4000, 2],
      [5000, 1],
    ]);
    // Lowering to 1 at 5 s let the tasks then running finish normally.
    expect(results.map((r) => r.status)).to.satisfy((statuses: string[]) =>
      statuses.every((s) => s === 'succeeded'),
    );
    expect(results.length).to.be.greaterThan(3);

    pool.setConcurrency(3);
    usageSource.push({ cpuPercent: 99 });
    await advanceTo(scheduler, 10_000);
    expect(limits.at(-1)).to.deep.equal([7000, 3]);
    pool.resumeAutoscale();
    await advanceTo(scheduler, 11_000);
    expect(limits.at(-1)).to.deep.equal([11_000, 2]);

    const report = pool.shutdown({ timeoutMs: 0 });
    await advanceTo(scheduler, 20_000);
    await report;
  });
});
