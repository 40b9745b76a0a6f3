import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { useRedisServer } from '../support/redis-server';
import { startRedisServer } from '../../samples/support/local-redis';
import { WORKER_CLOSE_GRACE_MS } from '../../lib/cli/bullmq-commands';
import { ECHO, cli, start } from '../support/cli-process';

describe('rxjs-worker-pool enqueue + worker (real Redis)', function () {
  this.timeout(30_000);
  const redis = useRedisServer(this);

  it('enqueue adds one job per line; worker consumes them and drains on SIGTERM (exit 0)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rwp-cli-'));
    const queueName = `cli-${process.pid}`;
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ id: `e${i}`, input: i, priority: i % 2 ? 'high' : 'low' }),
    );
    const input = path.join(dir, 'jobs.jsonl');
    writeFileSync(input, `${lines.join('\n')}\nnot json\n`);
    const enqueued = await cli([
      'enqueue',
      '--queue',
      queueName,
      '--redis',
      redis().url,
      '--input',
      input,
    ]);
    expect(enqueued.code).to.equal(0);
    expect(enqueued.stderr).to.contain('enqueued 20 jobs on');
    expect(enqueued.stderr).to.contain('0 already there');
    expect(enqueued.stderr).to.contain('line 21: not JSON');
    // The same file again adds nothing, and says so.
    const again = await cli([
      'enqueue',
      '--queue',
      queueName,
      '--redis',
      redis().url,
      '--input',
      input,
    ]);
    expect(again.stderr).to.contain('enqueued 0 jobs on');
    expect(again.stderr).to.contain('20 already there (same id)');

    const queue = new Queue(queueName, { connection: { host: redis().host, port: redis().port } });
    expect((await queue.getJob('e1'))?.opts.priority).to.equal(2);
    const { child, done } = start([
      'worker',
      '--queue',
      queueName,
      '--redis',
      redis().url,
      '--handler',
      ECHO,
      '--concurrency',
      '4',
    ]);
    // BullMQ's own event stream says when every job is completed (read from its start).
    const events = new QueueEvents(queueName, {
      connection: { host: redis().host, port: redis().port },
      lastEventId: '0-0',
    });
    await new Promise<void>((resolve) => {
      let completed = 0;
      events.on('completed', () => {
        if (++completed === 20) resolve();
      });
    });
    await events.close();
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).to.equal(0);
    expect(run.stderr).to.match(/stopped: 20 jobs done \(0 failed\); 0 returned to the queue/);
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('worker exits by its deadline when Redis is gone, and at once on a second signal', async function () {
    this.timeout(40_000);
    /** A worker on a Redis of its own, stopped once the worker consumes, then signalled. */
    const workerWithRedisGone = async (timeoutMs: number, signals: NodeJS.Signals[]) => {
      const own = await startRedisServer();
      const { child, done } = start(
        [
          'worker',
          '--queue',
          `gone-${process.pid}`,
          '--redis',
          own.url,
          '--handler',
          ECHO,
          '--lock-duration',
          '2000',
        ],
        { env: { WORKER_POOL_SHUTDOWN_TIMEOUT_MS: String(timeoutMs) } },
      );
      await new Promise<void>((resolve) =>
        child.stderr!.on(
          'data',
          (chunk: Buffer) => chunk.toString().includes('consuming') && resolve(),
        ),
      );
      await own.stop();
      const signalled = Date.now();
      for (const signal of signals) child.kill(signal);
      const run = await done;
      return { ...run, ms: Date.now() - signalled };
    };
    // By the deadline (500 ms) plus the close grace, whatever BullMQ's close does: drained
    // (exit 0) when it closes in time, else exit 1 without it (its jobs come back as stalled).
    const deadline = await workerWithRedisGone(500, ['SIGTERM']);
    expect(deadline.ms).to.be.below(500 + WORKER_CLOSE_GRACE_MS + 3_000);
    if (deadline.code !== 0) {
      expect(deadline.code, deadline.stderr).to.equal(1);
      expect(deadline.stderr).to.match(
        /stopped without waiting any longer \(the drain and BullMQ's close took past the deadline\)/,
      );
    }
    // A 60 s deadline: only the second signal can end it now.
    const forced = await workerWithRedisGone(60_000, ['SIGTERM', 'SIGINT']);
    expect(forced.code, forced.stderr).to.equal(1);
    expect(forced.stderr, forced.stderr).to.match(
      /stopped without waiting any longer \((SIGINT|SIGTERM) again\)/,
    );
  });

  it('enqueue carries a line\'s "key" and "weight" to the job, and worker gives them back to the task', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rwp-cli-'));
    const queueName = `cli-keys-${process.pid}`;
    const input = path.join(dir, 'jobs.jsonl');
    writeFileSync(
      input,
      '{"id":"k1","input":1,"key":"tenant-a","weight":2}\n{"id":"k2","input":2}\n{"id":"k3","input":3,"weight":0}\n',
    );
    const enqueued = await cli([
      'enqueue',
      '--queue',
      queueName,
      '--redis',
      redis().url,
      '--input',
      input,
    ]);
    expect(enqueued.stderr).to.contain('enqueued 2 jobs');
    expect(enqueued.stderr).to.contain('line 3: "weight" must be an integer from 1, got 0');
    const connection = { host: redis().host, port: redis().port };
    const queue = new Queue(queueName, { connection });
    const events = new QueueEvents(queueName, { connection, lastEventId: '0-0' });
    const { child, done } = start([
      'worker',
      '--queue',
      queueName,
      '--redis',
      redis().url,
      '--handler',
      path.join(__dirname, 'fixtures', 'placement.js'),
      '--concurrency',
      '2',
    ]);
    await new Promise<void>((resolve) => {
      let completed = 0;
      events.on('completed', () => ++completed === 2 && resolve());
    });
    await events.close();
    child.kill('SIGTERM');
    expect((await done).code).to.equal(0);
    expect((await queue.getJob('k1'))?.returnvalue).to.deep.equal({ key: 'tenant-a', weight: 2 });
    expect((await queue.getJob('k2'))?.returnvalue).to.deep.equal({ key: null, weight: null });
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bad --redis URL exits 2', async () => {
    const run = await cli([
      'worker',
      '--queue',
      'q',
      '--redis',
      'localhost:6379',
      '--handler',
      ECHO,
    ]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('--redis: expected a redis:// or rediss:// URL');
  });
});
