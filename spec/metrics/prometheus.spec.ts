import { request } from 'node:http';
import { expect } from 'chai';
import { Gauge, Registry } from 'prom-client';
import { exposePrometheus, serveMetrics, type MetricsServer } from '../../lib/metrics/prometheus';
import type { PoolMetrics } from '../../lib/metrics/pool-metrics';
import { latency, metricsWith } from './fixtures/metrics-fixture';

/** Sample lines of a text exposition, keyed by `name{labels}`. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

/** `# TYPE` lines, name → type. */
function types(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (match) map.set(match[1], match[2]);
  }
  return map;
}

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

class FakePool {
  calls = 0;
  current: PoolMetrics = metricsWith({
    submitted: 10,
    started: 9,
    succeeded: 6,
    failed: 2,
    cancelled: 1,
    rejected: 1,
    retries: 3,
    timeouts: 2,
    concurrencyChanges: 4,
    active: 3,
    abandoned: 1,
    concurrency: 8,
    queued: 6,
    queuedByPriority: { critical: 1, high: 2, normal: 3, low: 0 },
    throughputPerSec: 2.5,
    latency: {
      waitMs: latency({ p50: 1.5, p90: 3, p99: 4.5, max: 10 }),
      runMs: latency({ p50: 250, p90: 500, p99: 750, max: 2000 }),
    },
    system: { cpuPercent: 42, rssBytes: 1000, heapUsedBytes: 500, eventLoopDelayMs: 12 },
  });
  metrics(): PoolMetrics {
    this.calls++;
    return this.current;
  }
}

describe('exposePrometheus', () => {
  it('exposes counters, gauges and latency quantiles from one snapshot per scrape', async () => {
    const pool = new FakePool();
    const exposure = exposePrometheus(pool);
    // One snapshot at registration tells whether the pool has threads.
    const before = pool.calls;
    const text = await exposure.metricsText();
    expect(pool.calls - before).to.equal(1);

    const t = types(text);
    for (const name of [
      'tasks_submitted_total',
      'tasks_started_total',
      'tasks_succeeded_total',
      'tasks_failed_total',
      'tasks_cancelled_total',
      'tasks_rejected_total',
      'task_retries_total',
      'task_timeouts_total',
      'concurrency_changes_total',
    ]) {
      expect(t.get(`worker_pool_${name}`), name).to.equal('counter');
    }
    expect(t.get('worker_pool_tasks_queued')).to.equal('gauge');
    expect(t.get('worker_pool_task_wait_seconds')).to.equal('gauge');

    const s = samples(text);
    expect(s.get('worker_pool_tasks_submitted_total')).to.equal(10);
    expect(s.get('worker_pool_tasks_failed_total')).to.equal(2);
    expect(s.get('worker_pool_task_retries_total')).to.equal(3);
    expect(s.get('worker_pool_concurrency_changes_total')).to.equal(4);
    expect(s.get('worker_pool_tasks_queued{priority="critical"}')).to.equal(1);
    expect(s.get('worker_pool_tasks_queued{priority="normal"}')).to.equal(3);
    expect(s.get('worker_pool_tasks_queued{priority="low"}')).to.equal(0);
    expect(s.get('worker_pool_tasks_active')).to.equal(3);
    expect(s.get('worker_pool_tasks_abandoned')).to.equal(1);
    expect(s.get('worker_pool_concurrency_limit')).to.equal(8);
    expect(s.get('worker_pool_throughput_per_second')).to.equal(2.5);
    expect(s.get('worker_pool_process_cpu_percent')).to.equal(42);
    expect(s.get('worker_pool_process_resident_memory_bytes')).to.equal(1000);
    expect(s.get('worker_pool_event_loop_delay_p99_seconds')).to.equal(0.012);
    expect(s.get('worker_pool_task_wait_seconds{quantile="0.5"}')).to.equal(0.0015);
    expect(s.get('worker_pool_task_wait_seconds{quantile="0.99"}')).to.equal(0.0045);
    expect(s.get('worker_pool_task_run_seconds{quantile="0.9"}')).to.equal(0.5);
    expect(s.get('worker_pool_task_run_seconds{quantile="1"}')).to.equal(2);

    // A later scrape reads a new snapshot.
    pool.current = { ...pool.current, submitted: 25 };
    expect(samples(await exposure.metricsText()).get('worker_pool_tasks_submitted_total')).to.equal(
      25,
    );
    expect(pool.calls - before).to.equal(2);
  });

  it('with a batch handler: batch calls, items and sizes; none without one', async () => {
    const plain = new FakePool();
    expect(await exposePrometheus(plain).metricsText()).to.not.contain('batch');
    const batched = new FakePool();
    batched.current = {
      ...batched.current,
      batches: { count: 12, items: 480, size: { p50: 40, p99: 50, max: 50 } },
    };
    const text = await exposePrometheus(batched).metricsText();
    expect(types(text).get('worker_pool_batch_calls_total')).to.equal('counter');
    const s = samples(text);
    expect(s.get('worker_pool_batch_calls_total')).to.equal(12);
    expect(s.get('worker_pool_batch_items_total')).to.equal(480);
    expect(s.get('worker_pool_batch_size{quantile="0.5"}')).to.equal(40);
    expect(s.get('worker_pool_batch_size{quantile="0.99"}')).to.equal(50);
    expect(s.get('worker_pool_batch_size{quantile="1"}')).to.equal(50);
  });

  it('uses a given registry and prefix, and unregisters only its own metrics', async () => {
    const registry = new Registry();
    new Gauge({
      name: 'app_up',
      help: 'Up.',
      registers: [registry],
      collect() {
        this.set(1);
      },
    });
    const exposure = exposePrometheus(new FakePool(), { registry, prefix: 'jobs_' });
    expect(exposure.registry).to.equal(registry);
    const s = samples(await registry.metrics());
    expect(s.get('jobs_tasks_succeeded_total')).to.equal(6);
    expect(s.get('app_up')).to.equal(1);
    exposure.unregister();
    const after = await registry.metrics();
    expect(after).not.to.include('jobs_');
    expect(samples(after).get('app_up')).to.equal(1);
    // Registering again after unregister works.
    exposePrometheus(new FakePool(), { registry, prefix: 'jobs_' }).unregister();
  });
});

describe('serveMetrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves GET /metrics on 127.0.0.1 and a free port', async () => {
    const { registry } = exposePrometheus(new FakePool());
    server = await serveMetrics(registry);
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await get(server.url);
    expect(res.status).to.equal(200);
    expect(res.type).to.include('text/plain');
    expect(types(res.body).get('worker_pool_tasks_submitted_total')).to.equal('counter');
    expect(samples(res.body).get('worker_pool_tasks_queued{priority="high"}')).to.equal(2);
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    server = await serveMetrics(new Registry(), { port: 0, host: '127.0.0.1' });
    expect((await get(server.url.replace('/metrics', '/other'))).status).to.equal(404);
    expect((await get(server.url, 'POST')).status).to.equal(405);
  });

  it('rejects when the port is taken', async () => {
    server = await serveMetrics(new Registry());
    const port = Number(new URL(server.url).port);
    let error: unknown;
    await serveMetrics(new Registry(), { port }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error).with.property('code', 'EADDRINUSE');
  });
});
