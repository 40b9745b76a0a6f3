import { expect } from 'chai';
import { WorkerPool } from '../../lib';
import { startMetricsEndpoint } from '../../samples/prometheus';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses a Prometheus text exposition: samples (`name{labels} value`) and `# TYPE` lines. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`Unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { types, samples };
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(found, `${name}${JSON.stringify(labels)}`).to.have.length(1);
  return found[0].value;
}

describe('samples/prometheus startMetricsEndpoint', () => {
  let pool: WorkerPool<number, number>;
  let endpoint: { url: string; close(): Promise<void> } | undefined;

  beforeEach(() => {
    pool = new WorkerPool<number, number>({
      handler: (n: number) => {
        if (n < 0) throw new Error(`negative: ${n}`);
        return n * 2;
      },
      concurrency: 3,
      retry: { maxAttempts: 1 },
      logging: { level: 'silent' },
    });
  });

  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
    await pool.shutdown();
  });

  it('serves counters and gauges with the values of the tasks the pool ran', async () => {
    // 5 succeed, 2 fail; then 2 high-priority tasks wait in the queue of a paused pool.
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, -1, -2].map((n) => pool.submit(n)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(5);
    pool.setConcurrency(4);
    pool.pause();
    const queued = [10, 11].map((n) => pool.submit(n, { priority: 'high' }));

    endpoint = await startMetricsEndpoint(pool);
    expect(endpoint.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(endpoint.url);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain/);
    const { types, samples } = parseExposition(await response.text());

    expect(types.get('worker_pool_tasks_submitted_total')).to.equal('counter');
    expect(types.get('worker_pool_tasks_succeeded_total')).to.equal('counter');
    expect(types.get('worker_pool_tasks_active')).to.equal('gauge');
    expect(types.get('worker_pool_tasks_queued')).to.equal('gauge');
    expect(types.get('worker_pool_concurrency_limit')).to.equal('gauge');

    expect(valueOf(samples, 'worker_pool_tasks_submitted_total')).to.equal(9);
    expect(valueOf(samples, 'worker_pool_tasks_started_total')).to.equal(7);
    expect(valueOf(samples, 'worker_pool_tasks_succeeded_total')).to.equal(5);
    expect(valueOf(samples, 'worker_pool_tasks_failed_total')).to.equal(2);
    expect(valueOf(samples, 'worker_pool_tasks_cancelled_total')).to.equal(0);
    expect(valueOf(samples, 'worker_pool_tasks_rejected_total')).to.equal(0);
    expect(valueOf(samples, 'worker_pool_task_retries_total')).to.equal(0);
    expect(valueOf(samples, 'worker_pool_concurrency_changes_total')).to.equal(1);

    expect(valueOf(samples, 'worker_pool_tasks_active')).to.equal(0);
    expect(valueOf(samples, 'worker_pool_concurrency_limit')).to.equal(4);
    expect(valueOf(samples, 'worker_pool_tasks_queued', { priority: 'high' })).to.equal(2);
    expect(valueOf(samples, 'worker_pool_tasks_queued', { priority: 'normal' })).to.equal(0);
    expect(valueOf(samples, 'worker_pool_tasks_queued', { priority: 'critical' })).to.equal(0);
    expect(valueOf(samples, 'worker_pool_tasks_queued', { priority: 'low' })).to.equal(0);
    const maxRun = valueOf(samples, 'worker_pool_task_run_seconds', { quantile: '1' });
    expect(maxRun).to.be.at.least(0);

    pool.resume();
    expect(await Promise.all(queued)).to.deep.equal([20, 22]);
  });

  it('reflects the pool at each scrape and stops serving after close()', async () => {
    endpoint = await startMetricsEndpoint(pool);
    const scrape = async () => parseExposition(await (await fetch(endpoint!.url)).text()).samples;

    expect(valueOf(await scrape(), 'worker_pool_tasks_succeeded_total')).to.equal(0);
    await pool.submit(21);
    expect(valueOf(await scrape(), 'worker_pool_tasks_succeeded_total')).to.equal(1);

    const { url } = endpoint;
    await endpoint.close();
    endpoint = undefined;
    let refused = false;
    await fetch(url).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });
});
