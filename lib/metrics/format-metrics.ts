import type { LatencySummary, PoolMetrics } from './pool-metrics';

/** A duration in ms with a precision that fits its size: 0.42, 4.2, 42, 420. */
function ms(value: number): string {
  if (value === 0) return '0';
  if (value < 1) return value.toFixed(2);
  if (value < 10) return value.toFixed(1).replace(/\.0$/, '');
  return String(Math.round(value));
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function latency(label: string, summary: LatencySummary): string {
  return `${label}  p50 ${ms(summary.p50)}  p90 ${ms(summary.p90)}  p99 ${ms(summary.p99)}  max ${ms(summary.max)}`;
}

/**
 * A compact multi-line summary of a metrics snapshot, for terminals and logs.
 *
 * ## Example
 * ```ts
 * import { formatMetrics } from 'rxjs-worker-pool';
 * console.log(formatMetrics(pool.metrics()));
 * // Output:
 * // tasks    submitted 120  succeeded 100  failed 5  cancelled 2  rejected 1  attempts 118 (7 retries, 3 timeouts)
 * // queue    12 waiting  critical 0  high 2  normal 10  low 0
 * // workers  active 4/8  abandoned 0  throughput 12.5/s
 * // wait ms  p50 1.2  p90 3  p99 4.5  max 12
 * // run ms   p50 40  p90 81  p99 120  max 300
 * // process  cpu 35.2%  rss 85.3 MiB  heap 40.1 MiB  loop p99 1.3 ms
 * ```
 * A pool whose handler runs on worker threads gets a line more:
 * `threads  3/4 busy  utilization 75%`; one whose handler is a `batchHandler`, another:
 * `batches  12 calls  480 items  size p50 40  p99 50  max 50`.
 * CPU and loop delay read `n/a` until the process has been sampled: the pool samples it only
 * while `metrics$` has a subscriber.
 * @param snapshot a {@link PoolMetrics} from `metrics()` or `metrics$`.
 * @return six lines (one more with threads, one more with batches) joined by `\n`, without a
 *   trailing newline.
 */
export function formatMetrics(snapshot: PoolMetrics): string {
  const m = snapshot;
  const q = m.queuedByPriority;
  const sampled = m.system.sampledAt !== undefined;
  const lines = [
    // Tasks and attempts apart: `started` counts attempts, so it can exceed `submitted`.
    `tasks    submitted ${m.submitted}  succeeded ${m.succeeded}  failed ${m.failed}` +
      `  cancelled ${m.cancelled}  rejected ${m.rejected}` +
      `  attempts ${m.started} (${m.retries} retries, ${m.timeouts} timeouts)`,
    `queue    ${m.queued} waiting  critical ${q.critical}  high ${q.high}  normal ${q.normal}  low ${q.low}`,
    `workers  active ${m.active}/${m.concurrency}  abandoned ${m.abandoned}` +
      `  throughput ${Math.round(m.throughputPerSec * 10) / 10}/s`,
    latency('wait ms', m.latency.waitMs),
    latency('run ms ', m.latency.runMs),
    // CPU and loop delay come from samples, taken only while metrics$ is subscribed.
    `process  cpu ${sampled ? `${m.system.cpuPercent.toFixed(1)}%` : 'n/a'}  rss ${mib(m.system.rssBytes)}` +
      `  heap ${mib(m.system.heapUsedBytes)}  loop p99 ${sampled ? `${ms(m.system.eventLoopDelayMs)} ms` : 'n/a'}` +
      (m.system.diskFreeBytes !== undefined ? `  disk free ${mib(m.system.diskFreeBytes)}` : ''),
  ];
  if (m.threads !== undefined) {
    const t = m.threads;
    const starting = t.perThread.filter((thread) => thread.state === 'starting').length;
    lines.push(
      `threads  ${t.busy}/${t.count} busy  utilization ${Math.round(t.utilization * 100)}%` +
        (starting > 0 ? `  starting ${starting}` : ''),
    );
  }
  if (m.batches !== undefined) {
    const b = m.batches;
    lines.push(
      `batches  ${b.count} calls  ${b.items} items` +
        `  size p50 ${b.size.p50}  p99 ${b.size.p99}  max ${b.size.max}`,
    );
  }
  return lines.join('\n');
}
