// In your own code: import { ... } from 'rxjs-worker-pool';
import { WorkerPool, exposePrometheus, serveMetrics, type PrometheusSource } from '../lib';

/**
 * Serves a pool's metrics for Prometheus on http://127.0.0.1:PORT/metrics (port 0: any free
 * port). `close()` stops the server and removes the pool's metrics from the registry.
 */
export async function startMetricsEndpoint(
  pool: PrometheusSource,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const exposure = exposePrometheus(pool); // a registry of its own, metric names `worker_pool_*`
  const server = await serveMetrics(exposure.registry, { port, host: '127.0.0.1' });
  return {
    url: server.url,
    async close() {
      await server.close();
      exposure.unregister();
    },
  };
}

async function main(): Promise<void> {
  const pool = new WorkerPool<number, number>({
    handler: async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5 * n));
      if (n % 5 === 0) throw new Error(`cannot handle ${n}`);
      return n * 2;
    },
    concurrency: 4,
    retry: { maxAttempts: 1 }, // no retries: failures show up as failures at once
    logging: { level: 'silent' },
  });

  // Some work first: 10 tasks, of which 2 (5 and 10) fail.
  const outcomes = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => pool.submit(i + 1)),
  );
  const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
  console.log(`Ran 10 tasks: ${ok} succeeded, ${10 - ok} failed.`);

  const endpoint = await startMetricsEndpoint(pool);
  console.log(`Prometheus can now scrape ${endpoint.url}`);

  // Scrape it once ourselves, as Prometheus would.
  const response = await fetch(endpoint.url);
  const text = await response.text();
  console.log(`GET /metrics -> HTTP ${response.status}, ${text.split('\n').length} lines. A few:`);
  const wanted =
    /^worker_pool_(tasks_(submitted|succeeded|failed)_total|tasks_active|concurrency_limit|task_run_seconds\{quantile="0.5"\}|tasks_queued\{priority="normal"\})/;
  for (const line of text.split('\n')) {
    if (wanted.test(line) || line === '# TYPE worker_pool_tasks_succeeded_total counter') {
      console.log(`   ${line}`);
    }
  }

  await endpoint.close();
  await pool.shutdown();
  console.log('Endpoint closed, pool shut down.');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
