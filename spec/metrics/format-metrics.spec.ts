import { expect } from 'chai';
import { formatMetrics } from '../../lib/metrics/format-metrics';
import { latency, metricsWith } from './fixtures/metrics-fixture';

describe('formatMetrics', () => {
  const snapshot = metricsWith({
    submitted: 120,
    started: 118,
    succeeded: 100,
    failed: 5,
    cancelled: 2,
    rejected: 1,
    retries: 7,
    timeouts: 3,
    active: 4,
    abandoned: 1,
    concurrency: 8,
    queued: 12,
    queuedByPriority: { critical: 0, high: 2, normal: 10, low: 0 },
    throughputPerSec: 12.46,
    latency: {
      waitMs: latency({ p50: 1.234, p90: 3, p99: 4.5, max: 12 }),
      runMs: latency({ p50: 40.2, p90: 81, p99: 120, max: 300 }),
    },
    system: {
      cpuPercent: 35.24,
      rssBytes: 85.3 * 1024 * 1024,
      heapUsedBytes: 40 * 1024 * 1024,
      eventLoopDelayMs: 0.42,
      sampledAt: 1_000,
    },
  });

  it('gives a compact multi-line summary with the key numbers', () => {
    expect(formatMetrics(snapshot).split('\n')).to.deep.equal([
      'tasks    submitted 120  succeeded 100  failed 5  cancelled 2  rejected 1  attempts 118 (7 retries, 3 timeouts)',
      'queue    12 waiting  critical 0  high 2  normal 10  low 0',
      'workers  active 4/8  abandoned 1  throughput 12.5/s',
      'wait ms  p50 1.2  p90 3  p99 4.5  max 12',
      'run ms   p50 40  p90 81  p99 120  max 300',
      'process  cpu 35.2%  rss 85.3 MiB  heap 40.0 MiB  loop p99 0.42 ms',
    ]);
  });

  it('adds a batches line for a batch handler', () => {
    const batched = {
      ...snapshot,
      batches: { count: 12, items: 480, size: { p50: 40, p99: 50, max: 50 } },
    };
    expect(formatMetrics(batched).split('\n').at(-1)).to.equal(
      'batches  12 calls  480 items  size p50 40  p99 50  max 50',
    );
    expect(formatMetrics(snapshot)).to.not.contain('batches');
  });

  it('shows zeros for an empty snapshot and disk free when sampled', () => {
    const text = formatMetrics(
      metricsWith({
        system: {
          cpuPercent: 0,
          rssBytes: 0,
          heapUsedBytes: 0,
          eventLoopDelayMs: 0,
          diskFreeBytes: 2 * 1024 ** 3,
        },
      }),
    );
    expect(text).to.include('wait ms  p50 0  p90 0  p99 0  max 0');
    expect(text).to.include('active 0/1');
    expect(text).to.include('disk free 2048.0 MiB');
  });

  it('shows n/a for CPU and loop delay until the process was sampled', () => {
    const unsampled = metricsWith({
      system: { cpuPercent: 0, rssBytes: 1024 ** 2, heapUsedBytes: 1024 ** 2, eventLoopDelayMs: 0 },
    });
    expect(formatMetrics(unsampled).split('\n')[5]).to.equal(
      'process  cpu n/a  rss 1.0 MiB  heap 1.0 MiB  loop p99 n/a',
    );
  });
});
