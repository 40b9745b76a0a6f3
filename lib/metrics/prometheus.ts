import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

type PromClient = typeof import('prom-client');
let promClientModule: PromClient | undefined;
/** prom-client (and the OpenTelemetry API it pulls in) loads on first use: importing the package stays light. */
function promClient(): PromClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  return (promClientModule ??= require('prom-client') as PromClient);
}
import { PRIORITY_NAMES } from '../task/priority';
import type { LatencySummary, PoolMetrics } from './pool-metrics';

/**
 * Anything that gives a metrics snapshot on demand; a `WorkerPool` is one.
 *
 * ## Example
 * ```ts
 * import type { PrometheusSource } from 'rxjs-worker-pool';
 * const source: PrometheusSource = pool; // or { metrics: () => pool.metrics() }
 * ```
 */
export interface PrometheusSource {
  metrics(): PoolMetrics;
}

/**
 * Options of {@link exposePrometheus}.
 *
 * ## Example
 * ```ts
 * import { register } from 'prom-client';
 * import { exposePrometheus } from 'rxjs-worker-pool';
 * exposePrometheus(pool, { registry: register, prefix: 'jobs_' }); // prom-client's global registry
 * ```
 */
export interface PrometheusOptions {
  /** Registry the metrics are registered in. Defaults to a new one (not prom-client's global). */
  registry?: Registry;
  /** Prefix of every metric name. Defaults to `'worker_pool_'`. */
  prefix?: string;
}

/**
 * What {@link exposePrometheus} returns.
 *
 * ## Example
 * ```ts
 * import { exposePrometheus, type PrometheusExposure } from 'rxjs-worker-pool';
 * const exposure: PrometheusExposure = exposePrometheus(pool);
 * console.log(await exposure.metricsText());
 * exposure.unregister();
 * ```
 */
export interface PrometheusExposure {
  /** The registry holding the metrics. */
  readonly registry: Registry;
  /** The registry's text exposition (all of its metrics, not only the pool's). */
  metricsText(): Promise<string>;
  /** Removes the pool's metrics from the registry. */
  unregister(): void;
}

type CounterKey =
  | 'submitted'
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rejected'
  | 'retries'
  | 'timeouts'
  | 'concurrencyChanges';

const COUNTERS: readonly [CounterKey, string, string][] = [
  ['submitted', 'tasks_submitted_total', 'Tasks submitted, those then rejected included.'],
  ['started', 'tasks_started_total', 'Handler attempts started, retries included.'],
  ['succeeded', 'tasks_succeeded_total', 'Tasks that succeeded.'],
  ['failed', 'tasks_failed_total', 'Tasks that failed after their last attempt.'],
  ['cancelled', 'tasks_cancelled_total', 'Tasks cancelled by their caller or by shutdown.'],
  ['rejected', 'tasks_rejected_total', 'Tasks refused by a full queue.'],
  ['retries', 'task_retries_total', 'Attempts that were retries.'],
  ['timeouts', 'task_timeouts_total', 'Attempts that timed out.'],
  ['concurrencyChanges', 'concurrency_changes_total', 'Changes of the concurrency limit.'],
];

/** Quantile label values and the summary field each reads; max is exposed as quantile 1. */
const QUANTILES: readonly [string, keyof LatencySummary][] = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['1', 'max'],
];

/**
 * Registers a pool's metrics in a prom-client registry, read from one snapshot per scrape.
 *
 * Exposed (names after `prefix`):
 * - counters `tasks_submitted_total`, `tasks_started_total`, `tasks_succeeded_total`,
 *   `tasks_failed_total`, `tasks_cancelled_total`, `tasks_rejected_total`,
 *   `task_retries_total`, `task_timeouts_total`, `concurrency_changes_total`: true Prometheus
 *   counters (so `rate()` works), set at scrape time to the pool's cumulative counts;
 * - gauges `tasks_queued{priority}`, `tasks_active`, `tasks_abandoned`, `concurrency_limit`,
 *   `throughput_per_second`, `process_cpu_percent`, `process_resident_memory_bytes`,
 *   `process_heap_used_bytes`, `event_loop_delay_p99_seconds`;
 * - gauges `task_wait_seconds{quantile}` and `task_run_seconds{quantile}` with quantiles 0.5,
 *   0.9, 0.99 and 1 (the max). The pool's percentiles come from its own cumulative hdr
 *   histograms, which prom-client cannot import, so they are gauges with quantile labels (the
 *   shape of a summary without `_sum`/`_count`) rather than a prom-client Histogram that would
 *   need every observation twice;
 * - with a thread handler (`rxjs-worker-pool/threads`): gauges `threads`, `threads_busy`,
 *   `threads_utilization`, and the counter `thread_attempts_total{thread_id,outcome}`;
 * - gauges `key_tasks_queued{key}` and `key_tasks_running{key}` for the `keys.maxTracked`
 *   busiest keys, the rest summed under `key="other"`: bounded however many keys there are;
 * - with a `batchHandler`: counters `batch_calls_total` and `batch_items_total`, and the gauge
 *   `batch_size{quantile}` (items per call: 0.5, 0.99 and 1 = max, cumulative).
 *
 * ## Example
 * ```ts
 * import { exposePrometheus, serveMetrics } from 'rxjs-worker-pool';
 * const { registry } = exposePrometheus(pool, { prefix: 'jobs_' });
 * const server = await serveMetrics(registry, { port: 9464 });
 * console.log(server.url);
 * // Output:
 * // http://127.0.0.1:9464/metrics
 * ```
 * @param source gives the snapshot; `pool` itself.
 * @param options registry and name prefix.
 * @return the registry, its text, and a way to remove the metrics again.
 */
export function exposePrometheus(
  source: PrometheusSource,
  options: PrometheusOptions = {},
): PrometheusExposure {
  const registry = options.registry ?? new (promClient().Registry)();
  const prefix = options.prefix ?? 'worker_pool_';
  const registers = [registry];
  const names: string[] = [];

  // prom-client calls every collect() synchronously at the start of a scrape: share one
  // snapshot among them, dropped once the scrape's synchronous part is over.
  let cached: PoolMetrics | undefined;
  const snapshot = (): PoolMetrics => {
    if (cached === undefined) {
      cached = source.metrics();
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached;
  };

  const counter = (name: string, help: string, read: (m: PoolMetrics) => number): void => {
    names.push(prefix + name);
    new (promClient().Counter)({
      name: prefix + name,
      help,
      registers,
      collect() {
        // A Counter only goes up by inc(); reset then inc sets it to the pool's count.
        this.reset();
        this.inc(read(snapshot()));
      },
    });
  };
  for (const [key, name, help] of COUNTERS) counter(name, help, (m) => m[key]);

  const gauge = (name: string, help: string, read: (m: PoolMetrics) => number): void => {
    names.push(prefix + name);
    new (promClient().Gauge)({
      name: prefix + name,
      help,
      registers,
      collect() {
        this.set(read(snapshot()));
      },
    });
  };
  gauge('tasks_active', 'Handler attempts holding a slot.', (m) => m.active);
  gauge(
    'tasks_abandoned',
    'Handlers given up on after their abort grace, maybe still running.',
    (m) => m.abandoned,
  );
  gauge('concurrency_limit', 'The concurrency limit in force.', (m) => m.concurrency);
  gauge(
    'throughput_per_second',
    'Tasks completed per second over the last interval.',
    (m) => m.throughputPerSec,
  );
  gauge(
    'process_cpu_percent',
    'Process CPU use, in percent of one core.',
    (m) => m.system.cpuPercent,
  );
  gauge('process_resident_memory_bytes', 'Process resident set size.', (m) => m.system.rssBytes);
  gauge('process_heap_used_bytes', 'V8 heap in use.', (m) => m.system.heapUsedBytes);
  gauge(
    'event_loop_delay_p99_seconds',
    'Event-loop delay p99 since the previous usage sample.',
    (m) => m.system.eventLoopDelayMs / 1000,
  );

  names.push(`${prefix}tasks_queued`);
  new (promClient().Gauge)({
    name: `${prefix}tasks_queued`,
    help: 'Tasks waiting, per priority.',
    labelNames: ['priority'],
    registers,
    collect() {
      const queued = snapshot().queuedByPriority;
      for (const priority of PRIORITY_NAMES) this.set({ priority }, queued[priority]);
    },
  });

  // Per key, for the tracked (busiest) keys only, the rest under key="other": the number of
  // series stays bounded however many keys come and go. Reset first: a key no longer tracked
  // leaves no stale series.
  const perKey = (name: string, help: string, field: 'queued' | 'running'): void => {
    names.push(prefix + name);
    new (promClient().Gauge)({
      name: prefix + name,
      help,
      labelNames: ['key'],
      registers,
      collect() {
        this.reset();
        const keys = snapshot().keys;
        if (keys === undefined) return;
        for (const line of keys.top) this.set({ key: line.key }, line[field]);
        this.set({ key: 'other' }, keys.others[field]);
      },
    });
  };
  perKey('key_tasks_queued', 'Tasks waiting, per tracked key (the rest: key="other").', 'queued');
  perKey(
    'key_tasks_running',
    'Attempts running, per tracked key (the rest: key="other").',
    'running',
  );

  /** A gauge with a `quantile` label: `read` gives each quantile's value. */
  const quantiles = (
    name: string,
    help: string,
    read: (m: PoolMetrics) => readonly (readonly [string, number])[],
  ): void => {
    names.push(prefix + name);
    new (promClient().Gauge)({
      name: prefix + name,
      help,
      labelNames: ['quantile'],
      registers,
      collect() {
        for (const [quantile, value] of read(snapshot())) this.set({ quantile }, value);
      },
    });
  };
  const latency = (name: string, help: string, read: (m: PoolMetrics) => LatencySummary): void =>
    quantiles(name, help, (m) => {
      const summary = read(m);
      return QUANTILES.map(([quantile, field]) => [quantile, summary[field] / 1000] as const);
    });
  latency(
    'task_wait_seconds',
    'Queue wait of tasks, cumulative quantiles (1 = max).',
    (m) => m.latency.waitMs,
  );
  latency(
    'task_run_seconds',
    'Run time of tasks, cumulative quantiles (1 = max).',
    (m) => m.latency.runMs,
  );

  // Thread metrics only for a pool whose handler runs on threads (a thread handler is given at
  // construction, so the first snapshot tells).
  if (source.metrics().threads !== undefined) {
    gauge('threads', 'Worker threads alive, starting ones included.', (m) => m.threads?.count ?? 0);
    gauge('threads_busy', 'Worker threads running an attempt.', (m) => m.threads?.busy ?? 0);
    gauge(
      'threads_utilization',
      'Busy worker threads / all worker threads, 0..1.',
      (m) => m.threads?.utilization ?? 0,
    );
    names.push(`${prefix}thread_attempts_total`);
    new (promClient().Counter)({
      name: `${prefix}thread_attempts_total`,
      help: 'Attempts per live worker thread, by outcome (completed, failed).',
      labelNames: ['thread_id', 'outcome'],
      registers,
      collect() {
        // Reset first: a thread that is gone leaves no stale series behind.
        this.reset();
        for (const thread of snapshot().threads?.perThread ?? []) {
          const thread_id = String(thread.threadId);
          this.inc({ thread_id, outcome: 'completed' }, thread.completed);
          this.inc({ thread_id, outcome: 'failed' }, thread.failed);
        }
      },
    });
  }

  // Batch metrics only for a pool whose handler is a batch handler (known at construction).
  if (source.metrics().batches !== undefined) {
    counter('batch_calls_total', 'Batch calls started.', (m) => m.batches?.count ?? 0);
    counter(
      'batch_items_total',
      'Items across batch calls (a retried item counts again).',
      (m) => m.batches?.items ?? 0,
    );
    quantiles('batch_size', 'Items per batch call, cumulative quantiles (1 = max).', (m) => {
      const size = m.batches?.size ?? { p50: 0, p99: 0, max: 0 };
      return [
        ['0.5', size.p50],
        ['0.99', size.p99],
        ['1', size.max],
      ];
    });
  }

  return {
    registry,
    metricsText: () => registry.metrics(),
    unregister: () => {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/**
 * Options of {@link serveMetrics}.
 *
 * ## Example
 * ```ts
 * import { serveMetrics } from 'rxjs-worker-pool';
 * const server = await serveMetrics(registry, { port: 9464, host: '0.0.0.0' });
 * ```
 */
export interface ServeMetricsOptions {
  /** Defaults to 0: any free port. */
  port?: number;
  /** Defaults to `'127.0.0.1'`: reachable from this host only. */
  host?: string;
}

/**
 * A running metrics endpoint, from {@link serveMetrics}.
 *
 * ## Example
 * ```ts
 * import type { MetricsServer } from 'rxjs-worker-pool';
 * const server: MetricsServer = await serveMetrics(registry);
 * await server.close();
 * ```
 */
export interface MetricsServer {
  /** The endpoint's address, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves a registry's text exposition on `GET /metrics` with `node:http`.
 *
 * ## Example
 * ```ts
 * import { exposePrometheus, serveMetrics } from 'rxjs-worker-pool';
 * const { registry } = exposePrometheus(pool);
 * const server = await serveMetrics(registry, { port: 0 });
 * const text = await (await fetch(server.url)).text();
 * await server.close();
 * ```
 * @param registry the metrics to serve.
 * @param options where to listen.
 * @return the endpoint's URL and a way to close it.
 */
export function serveMetrics(
  registry: Registry,
  options: ServeMetricsOptions = {},
): Promise<MetricsServer> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  // node:http loads when a server is asked for, not with the package.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  const { createServer } = require('node:http') as typeof import('node:http');
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' })
        .end('Method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(error)}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}/metrics`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
