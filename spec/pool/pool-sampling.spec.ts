import { expect } from 'chai';
import { map, VirtualTimeScheduler, take } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import { ScriptedUsageSource } from '../../lib/scaling/usage-source';
import { FixedBackoff } from '../../lib/backoff/fixed-backoff';
import type { PoolEvent, PoolEventOf } from '../../lib/pool/pool-events';
import { PoolTask } from '../../lib/pool/pool-task';
import { exposePrometheus } from '../../lib/metrics/prometheus';
import { Registry } from 'prom-client';
import sinon from 'sinon';
import type { PoolMetrics } from '../../lib/metrics/pool-metrics';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { newTestScheduler, poolOn, silent } from '../support/pool-fixtures';
import { TaskCancelledError } from '../../lib/errors/task-cancelled-error';
import { MetricsRecorder } from '../../lib/metrics/metrics-recorder';
import { Priority } from '../../lib/task/priority';

describe('WorkerPool observability', () => {
  it('metrics$ emits a snapshot every intervalMs with cumulative counts and interval throughput', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const pool = poolOn<string, string>(scheduler, {
        concurrency: 1,
        metrics: { intervalMs: 10, usageSource: new ScriptedUsageSource() },
        retry: { maxAttempts: 2, backoff: new FixedBackoff({ initialMs: 5, jitter: 'none' }) },
        handler: (v) => (v === 'boom' ? cold('-----#') : cold('20ms (v|)', { v })),
      });
      for (const v of ['a', 'boom', 'b'])
        pool.submit(v, { priority: v === 'boom' ? 'high' : 'normal' }).catch(() => undefined);
      const snapshots = pool.metrics$.pipe(
        take(4),
        map((m) =>
          [m.succeeded, m.failed, m.retries, m.active, m.queued, m.throughputPerSec].join(' '),
        ),
      );
      // a runs 0..20; boom (high) runs 20..25 and fails: its backoff frees the slot, so b runs
      // 25..45 while boom waits (counted as queued); boom's retry runs 45..50 and fails.
      // Columns: succeeded failed retries active queued throughput/s (over the last 10 ms).
      expectObservable(snapshots).toBe('10ms a 9ms b 9ms c 9ms (d|)', {
        a: '0 0 0 1 2 0',
        b: '1 0 0 1 1 100',
        c: '1 0 1 1 1 0',
        d: '1 0 1 1 1 0',
      });
      scheduler.flush();
      expect([pool.metrics().succeeded, pool.metrics().failed]).to.deep.equal([2, 1]);
    });
  });

  it('samples process usage for metrics$ only while it is subscribed', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const usage = new ScriptedUsageSource([{ cpuPercent: 42, eventLoopDelayMs: 3 }]);
      const pool = new WorkerPool({
        logger: silent,
        metrics: { intervalMs: 100, usageSource: usage },
      });
      expect(usage.calls).to.equal(0);
      expect(pool.metrics().system.sampledAt).to.equal(undefined); // zeros mean "not measured"
      const seen: number[] = [];
      const subscription = pool.metrics$.subscribe((m) => seen.push(m.system.cpuPercent));
      await clock.tickAsync(200);
      subscription.unsubscribe();
      const calls = usage.calls;
      await clock.tickAsync(1000);
      expect(seen).to.deep.equal([42, 42]);
      expect(usage.calls).to.equal(calls);
      // The latest reading stays, stamped with when it was taken; memory is read fresh.
      expect(pool.metrics().system).to.include({ cpuPercent: 42, sampledAt: 200 });
      expect(pool.metrics().system.rssBytes).to.be.greaterThan(0);
      await pool.shutdown();
    } finally {
      clock.restore();
    }
  });

  it('reports free disk space for metrics.diskPath, and health() honours its bounds', async () => {
    const pool = new WorkerPool({
      logger: silent,
      metrics: {
        intervalMs: 50,
        usageSource: new ScriptedUsageSource(),
        diskPath: '.',
        queueHighWater: 2,
      },
    });
    const snapshot = await new Promise<PoolMetrics>((resolve) => {
      const subscription = pool.metrics$.subscribe((m) => {
        if (m.system.diskFreeBytes === undefined) return;
        subscription.unsubscribe();
        resolve(m);
      });
    });
    expect(snapshot.system.diskFreeBytes).to.be.greaterThan(0);
    pool.pause();
    void pool.run(() => 1);
    expect(pool.health().status).to.equal('ok');
    void pool.run(() => 2);
    expect(pool.health().status).to.equal('degraded'); // 2 waiting tasks: the high-water mark
    await pool.shutdown({ force: true });
  });

  it('reports latency percentiles within histogram precision for known durations', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      const pool = poolOn<number, number>(scheduler, {
        concurrency: 1,
        handler: (ms) => cold(`${ms}ms (v|)`, { v: ms }),
      });
      // Run times 1..100 ms; each task waits for all before it.
      for (let ms = 1; ms <= 100; ms++) pool.submit(ms, { priority: ms % 2 ? 'low' : 'high' });
      scheduler.flush();
      const m = pool.metrics();
      expect(m.succeeded).to.equal(100);
      expect(m.latency.runMs.p50).to.be.closeTo(50, 0.1);
      expect(m.latency.runMs.p90).to.be.closeTo(90, 0.1);
      expect(m.latency.runMs.p99).to.be.closeTo(99, 0.1);
      expect(m.latency.runMs.max).to.be.closeTo(100, 0.1);
      expect(m.latencyByPriority.high.runMs.max).to.be.closeTo(100, 0.1);
      expect(m.latencyByPriority.low.runMs.max).to.be.closeTo(99, 0.1);
      expect(m.latency.waitMs.max).to.be.greaterThan(4000);
    });
  });

  it('events$ emits every transition, and costs nothing unobserved', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      const events: string[] = [];
      runEventful(scheduler, cold, (pool) => {
        pool.events$.subscribe((event: PoolEvent) => {
          // A flat view of whichever fields this kind of event has.
          const e = event as Partial<
            Record<'taskId' | 'attempt' | 'delayMs' | 'concurrency', unknown>
          > &
            PoolEvent;
          events.push(
            [e.type, e.taskId, e.attempt, e.delayMs, e.concurrency]
              .filter((x) => x !== undefined)
              .join(':'),
          );
        });
      });
      expect(events).to.deep.equal([
        'queued:1',
        'started:1:1',
        'queued:2',
        'queued:3',
        'rejected:3:0',
        'retrying:1:1:5',
        'started:2:1',
        'succeeded:2:1',
        'started:1:2',
        'succeeded:1:2',
        'concurrency-changed:2',
      ]);
    });
  });

  it('eventsOf() emits the chosen types only, as events$ has them', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      const all: PoolEvent[] = [];
      const chosen: PoolEventOf<'retrying' | 'rejected' | 'concurrency-changed'>[] = [];
      runEventful(scheduler, cold, (pool) => {
        pool.events$.subscribe((event) => all.push(event));
        pool
          .eventsOf('retrying', 'rejected', 'concurrency-changed')
          .subscribe((event) => chosen.push(event));
      });
      const types = new Set(['retrying', 'rejected', 'concurrency-changed']);
      expect(chosen.map((event) => event.type)).to.deep.equal([
        'rejected',
        'retrying',
        'concurrency-changed',
      ]);
      // The very objects events$ saw, in the same order.
      expect(chosen).to.deep.equal(all.filter((event) => types.has(event.type)));
      // Typed by the chosen types: a retrying event has its error and delay.
      const retrying = chosen.find((event) => event.type === 'retrying');
      expect(
        retrying?.type === 'retrying' && [retrying.delayMs, retrying.error.name],
      ).to.deep.equal([5, 'WorkerPoolError']);
    });
  });

  it('eventsOf() builds no event for the types nobody takes, and completes at shutdown', async () => {
    const idReads = sinon.spy(PoolTask.prototype, 'id', ['get']);
    try {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      const failures: PoolEvent[] = [];
      let completed = false;
      const subscription = pool.eventsOf('failed').subscribe({
        next: (event) => failures.push(event),
        complete: () => (completed = true),
      });
      await Promise.all(Array.from({ length: 100 }, (_, i) => pool.submit(i)));
      // Nothing was built for 100 tasks that queued, started and succeeded: no id was even read.
      expect([failures.length, idReads.get.callCount]).to.deep.equal([0, 0]);
      pool.events$.subscribe(() => undefined);
      await pool.submit(100);
      expect(idReads.get.callCount).to.be.at.least(3);
      await pool.shutdown();
      expect([completed, subscription.closed]).to.deep.equal([true, true]);
    } finally {
      idReads.get.restore();
    }
  });

  it('eventsOf() refuses no type and unknown types, naming the value', () => {
    const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
    expect(() => pool.eventsOf()).to.throw(TypeError, 'at least one event type');
    expect(() => pool.eventsOf('failed', 'finished' as 'failed')).to.throw(
      TypeError,
      /one of queued, started, .* got `'finished'` \(string\)|got 'finished'|finished/,
    );
    expect(() => pool.eventsOf('toString' as 'failed')).to.throw(TypeError, /toString/);
    void pool.shutdown();
  });

  it('health() says ok, then degraded with a full queue, then unhealthy while shutting down', async () => {
    const scheduler = newTestScheduler();
    const pool = poolOn<number, number>(scheduler, {
      concurrency: 1,
      queue: { capacity: 2 },
      handler: async (n) => n,
    });
    expect(pool.health()).to.deep.equal({ status: 'ok', reasons: [] });
    pool.pause();
    pool.submit(1);
    pool.submit(2);
    expect(pool.health().status).to.equal('degraded');
    expect(pool.health().reasons.join()).to.match(/queue/);
    void pool.shutdown({ timeoutMs: 0 });
    expect(pool.health().status).to.equal('unhealthy');
  });

  it('exposePrometheus reads the pool’s snapshot', async () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ cold }) => {
      const pool = poolOn<number, number>(scheduler, { handler: (n) => cold('-(n|)', { n }) });
      pool.submit(1);
      scheduler.flush();
      const registry = new Registry();
      const exposure = exposePrometheus(pool, { registry, prefix: 'jobs_' });
      return exposure.metricsText().then((text) => {
        expect(text).to.match(/^jobs_succeeded_total 1$/m);
        expect(text).to.match(/# TYPE jobs_succeeded_total counter/);
      });
    });
  });
});

/**
 * A run with every kind of task event: 'flaky' fails once and is retried after 5 ms, 'ok'
 * succeeds, 'refused' finds the queue full, and the limit goes to 2 at 20 ms. `watch`
 * subscribes before anything is submitted.
 */
function runEventful(
  scheduler: TestScheduler,
  cold: RunHelpers['cold'],
  watch: (pool: WorkerPool<string, string>) => void,
): void {
  const pool = poolOn<string, string>(scheduler, {
    retry: { maxAttempts: 2, backoff: new FixedBackoff({ initialMs: 5, jitter: 'none' }) },
    queue: { capacity: 1 },
    concurrency: 1,
    handler: (v, { attempt }) =>
      v === 'flaky' && attempt === 1 ? cold('-#') : cold('-(v|)', { v }),
  });
  watch(pool);
  pool.submit('flaky').catch(() => undefined);
  pool.submit('ok').catch(() => undefined);
  pool.submit('refused').catch(() => undefined);
  scheduler.schedule(() => pool.setConcurrency(2), 20);
  scheduler.flush();
}

describe('WorkerPool hardening', () => {
  describe('metrics', () => {
    it('does not count a timeout for an attempt its caller had already cancelled', async () => {
      const scheduler = new VirtualTimeScheduler();
      const controller = new AbortController();
      const pool = new WorkerPool<number, number>({
        logger: silent,
        scheduler,
        abortGraceMs: 100,
        timeoutMs: 50,
        // Ignores its signal: it keeps its slot through the grace.
        handler: () => new Promise<number>(() => undefined),
      });
      const result = pool.submit(1, { signal: controller.signal }).catch((e: unknown) => e);
      scheduler.schedule(() => controller.abort(), 10);
      scheduler.flush();
      expect(await result).to.be.instanceOf(TaskCancelledError);
      expect(pool.metrics().timeouts).to.equal(0);
      void pool.shutdown({ timeoutMs: 0 });
      scheduler.flush();
    });

    it("every latency percentile is <= its max (HDR reports a bucket's highest equivalent)", () => {
      const recorder = new MetricsRecorder({ startedAt: 0 });
      for (let i = 0; i < 100; i++) recorder.recordLatency(Priority.NORMAL, 0, 31);
      const { runMs } = recorder.snapshot(
        {
          active: 0,
          abandoned: 0,
          queuedByPriority: [0, 0, 0, 0],
          concurrency: 1,
          system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 },
        },
        1000,
        { advance: false },
      ).latency;
      expect(runMs.max).to.equal(31);
      for (const p of [runMs.p50, runMs.p90, runMs.p99]) expect(p).to.be.at.most(runMs.max);
    });
  });
});
