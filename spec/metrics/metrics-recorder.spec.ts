import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { MetricsRecorder, type LiveMetrics } from '../../lib/metrics/metrics-recorder';
import { Priority } from '../../lib/task/priority';

const live = (overrides: Partial<LiveMetrics> = {}): LiveMetrics => ({
  active: 0,
  abandoned: 0,
  queuedByPriority: [0, 0, 0, 0],
  concurrency: 4,
  system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 },
  ...overrides,
});

/** hdr-histogram at 3 significant digits: within 0.1 % (plus the 1 µs unit). */
const near = (actual: number, expected: number): void => {
  expect(actual).to.be.closeTo(expected, expected * 0.001 + 0.001);
};

describe('MetricsRecorder', () => {
  describe('counters', () => {
    it('start at zero, with zero latencies and throughput', () => {
      const m = new MetricsRecorder().snapshot(live(), 0);
      expect(m).to.include({
        submitted: 0,
        started: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        rejected: 0,
        retries: 0,
        timeouts: 0,
        concurrencyChanges: 0,
        throughputPerSec: 0,
        queued: 0,
      });
      expect(m.latency.waitMs).to.deep.equal({ p50: 0, p90: 0, p99: 0, max: 0 });
      expect(m.latencyByPriority.critical.runMs).to.deep.equal({ p50: 0, p90: 0, p99: 0, max: 0 });
    });

    it('report what the pool counted after a known sequence of outcomes', () => {
      const r = new MetricsRecorder();
      // 6 submitted: 1 rejected; 3 succeed (one after a retry), 1 fails after a timeout, 1 cancelled.
      r.submitted += 6;
      r.rejected++;
      r.started += 5;
      r.retries++;
      r.timeouts++;
      r.succeeded += 3;
      r.failed++;
      r.cancelled++;
      r.concurrencyChanges += 2;
      const m = r.snapshot(live(), 10);
      expect(m).to.include({
        submitted: 6,
        started: 5,
        succeeded: 3,
        failed: 1,
        cancelled: 1,
        rejected: 1,
        retries: 1,
        timeouts: 1,
        concurrencyChanges: 2,
        timestamp: 10,
      });
    });

    it('takes the live gauges and maps queue depths by priority value', () => {
      const system = { cpuPercent: 12.5, rssBytes: 100, heapUsedBytes: 50, eventLoopDelayMs: 3 };
      const m = new MetricsRecorder().snapshot(
        live({ active: 3, abandoned: 1, concurrency: 8, queuedByPriority: [1, 2, 3, 4], system }),
        0,
      );
      expect(m).to.include({ active: 3, abandoned: 1, concurrency: 8, queued: 10 });
      expect(m.queuedByPriority).to.deep.equal({ low: 1, normal: 2, high: 3, critical: 4 });
      expect(m.system).to.deep.equal(system);
      expect(m.system).not.to.equal(system);
    });
  });

  describe('latency', () => {
    it('gives percentiles within histogram precision for known durations', () => {
      const r = new MetricsRecorder();
      for (let ms = 1; ms <= 100; ms++) r.recordLatency(Priority.NORMAL, ms / 10, ms);
      const { waitMs, runMs } = r.snapshot(live(), 0).latency;
      near(runMs.p50, 50);
      near(runMs.p90, 90);
      near(runMs.p99, 99);
      expect(runMs.max).to.equal(100);
      near(waitMs.p50, 5);
      near(waitMs.p99, 9.9);
      expect(waitMs.max).to.equal(10);
    });

    it('keeps sub-millisecond precision', () => {
      const r = new MetricsRecorder();
      for (let i = 0; i < 99; i++) r.recordLatency(Priority.LOW, 0.25, 0.042);
      r.recordLatency(Priority.LOW, 0.75, 0.9);
      const { waitMs, runMs } = r.snapshot(live(), 0).latency;
      near(waitMs.p50, 0.25);
      near(waitMs.p99, 0.25);
      expect(waitMs.max).to.equal(0.75);
      near(runMs.p90, 0.042);
      expect(runMs.max).to.equal(0.9);
    });

    it('keeps hours-long durations (the histogram resizes past one hour)', () => {
      const r = new MetricsRecorder();
      r.recordLatency(Priority.NORMAL, 0, 2 * 3_600_000);
      near(r.snapshot(live(), 0).latency.runMs.p50, 2 * 3_600_000);
    });

    it('splits latencies per priority and keeps them overall', () => {
      const r = new MetricsRecorder();
      r.recordLatency(Priority.CRITICAL, 1, 10);
      r.recordLatency(Priority.LOW, 100, 1000);
      const m = r.snapshot(live(), 0);
      expect(m.latencyByPriority.critical.waitMs.max).to.equal(1);
      expect(m.latencyByPriority.low.runMs.max).to.equal(1000);
      expect(m.latencyByPriority.high.runMs.max).to.equal(0);
      expect(m.latencyByPriority.normal.waitMs.p50).to.equal(0);
      expect(m.latency.runMs.max).to.equal(1000);
      near(m.latency.runMs.p50, 10);
    });

    it('is cumulative across snapshots', () => {
      const r = new MetricsRecorder();
      r.recordLatency(Priority.NORMAL, 0, 500);
      r.snapshot(live(), 0);
      r.recordLatency(Priority.NORMAL, 0, 1);
      expect(r.snapshot(live(), 1000).latency.runMs.max).to.equal(500);
    });

    it('records negative and NaN durations as 0', () => {
      const r = new MetricsRecorder();
      r.recordLatency(Priority.NORMAL, -5, Number.NaN);
      const m = r.snapshot(live(), 0);
      expect(m.latency.waitMs).to.deep.equal({ p50: 0, p90: 0, p99: 0, max: 0 });
      expect(m.latency.runMs.max).to.equal(0);
    });

    it('returns fresh objects and starts over after reset()', () => {
      const r = new MetricsRecorder();
      r.recordLatency(Priority.HIGH, 2, 20);
      const first = r.snapshot(live(), 0);
      first.latency.runMs.max = -1;
      expect(r.snapshot(live(), 0).latency.runMs.max).to.equal(20);
      r.succeeded = 5;
      r.reset();
      const after = r.snapshot(live(), 0);
      expect(after.latency.runMs).to.deep.equal({ p50: 0, p90: 0, p99: 0, max: 0 });
      expect(after.latencyByPriority.high.waitMs.max).to.equal(0);
      expect(after.succeeded).to.equal(5);
    });
  });

  describe('throughputPerSec', () => {
    it('is completed tasks since the previous snapshot over the elapsed seconds', () => {
      const r = new MetricsRecorder({ startedAt: 0 });
      r.succeeded += 10;
      r.failed += 5;
      r.cancelled += 100; // not completed work
      expect(r.snapshot(live(), 1000).throughputPerSec).to.equal(15);
      r.succeeded += 5;
      expect(r.snapshot(live(), 3000).throughputPerSec).to.equal(2.5);
      expect(r.snapshot(live(), 4000).throughputPerSec).to.equal(0);
    });

    it('is 0 on a first snapshot without a start time, which opens the interval', () => {
      const r = new MetricsRecorder();
      r.succeeded += 7;
      expect(r.snapshot(live(), 500).throughputPerSec).to.equal(0);
      r.succeeded += 4;
      expect(r.snapshot(live(), 2500).throughputPerSec).to.equal(2);
    });

    it('keeps the last value when no time elapsed', () => {
      const r = new MetricsRecorder({ startedAt: 0 });
      expect(r.snapshot(live(), 0).throughputPerSec).to.equal(0);
      r.succeeded += 4;
      expect(r.snapshot(live(), 2000).throughputPerSec).to.equal(2);
      r.succeeded += 100;
      expect(r.snapshot(live(), 2000).throughputPerSec).to.equal(2);
      // The 100 still count in the interval that goes on from 2000.
      expect(r.snapshot(live(), 3000).throughputPerSec).to.equal(100);
    });

    it('peeks without closing the interval when advance is false', () => {
      const r = new MetricsRecorder({ startedAt: 0 });
      r.succeeded += 10;
      expect(r.snapshot(live(), 500, { advance: false }).throughputPerSec).to.equal(20);
      r.succeeded += 10;
      expect(r.snapshot(live(), 1000).throughputPerSec).to.equal(20);
    });

    it('gives a read just after a snapshot the rate of that snapshot, not ~0', () => {
      // The CLI's live block and a metrics$ subscriber calling pool.metrics() read here.
      const r = new MetricsRecorder({ startedAt: 0 });
      r.succeeded += 67;
      expect(r.snapshot(live(), 1000).throughputPerSec).to.equal(67);
      expect(r.snapshot(live(), 1000, { advance: false }).throughputPerSec).to.equal(67);
      r.succeeded += 1;
      // Spans the last full interval and the 2 ms since: 68 tasks over 1.002 s.
      expect(r.snapshot(live(), 1002, { advance: false }).throughputPerSec).to.be.closeTo(
        67.86,
        0.01,
      );
      r.succeeded += 32;
      expect(r.snapshot(live(), 2000).throughputPerSec).to.equal(33);
    });
  });

  describe('memory', () => {
    it('stays flat over 1,000,000 recorded latencies (< 1 MB after GC)', function () {
      this.timeout(30_000);
      const root = resolve(__dirname, '../..');
      const output = execFileSync(
        process.execPath,
        [
          '--expose-gc',
          '-r',
          'ts-node/register/transpile-only',
          join(__dirname, 'fixtures/record-latencies.ts'),
        ],
        { cwd: root, encoding: 'utf8', timeout: 25_000 },
      );
      const lines = output.trim().split('\n');
      const result = JSON.parse(lines[lines.length - 1]) as {
        heapDelta: number;
        offHeapDelta: number;
        succeeded: number;
      };
      expect(result.succeeded).to.equal(1_010_000);
      expect(result.heapDelta).to.be.below(1024 * 1024);
      expect(result.offHeapDelta).to.be.below(1024 * 1024);
    });
  });

  it('close() keeps the last latency summaries, stops recording and can be called twice', () => {
    const recorder = new MetricsRecorder({ startedAt: 0 });
    recorder.recordLatency(Priority.HIGH, 2, 40);
    const live = {
      active: 0,
      abandoned: 0,
      queuedByPriority: [0, 0, 0, 0] as [number, number, number, number],
      concurrency: 1,
      system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 },
    };
    const before = recorder.snapshot(live, 1000, { advance: false }).latency;
    recorder.close();
    recorder.close();
    recorder.recordLatency(Priority.HIGH, 500, 500);
    recorder.reset();
    expect(recorder.snapshot(live, 2000, { advance: false }).latency).to.deep.equal(before);
  });
});
