import { expect } from 'chai';
import * as path from 'node:path';
import { QueueEvents } from 'bullmq';
import { ECHO, cli, start, useScratchDir } from '../support/cli-process';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { useRedisServer } from '../support/redis-server';

const HIDE = path.join(__dirname, 'fixtures', 'hide-modules.js');
const byId = (spans: ReceivedSpan[]): Map<string, ReceivedSpan> =>
  new Map(spans.map((span) => [span.spanId, span]));

describe('cli/trace-export: --trace through the OpenTelemetry SDK', function () {
  this.timeout(30_000);
  const { file } = useScratchDir();
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeEach(async () => (receiver = await startOtlpReceiver()));
  afterEach(() => receiver.stop());

  it('run --trace exports a task span and its attempt spans to the OTLP endpoint', async () => {
    const input = file('in.jsonl', '{"id":"a","input":1}\n{"id":"b","input":2}\n');
    const run = await cli(
      ['run', '--handler', ECHO, '--input', input, '--output', file('out.jsonl', ''), '--trace'],
      { env: receiver.env },
    );
    expect(run.code, run.stderr).to.equal(0);
    const tasks = receiver.spans.filter((span) => span.name === 'task');
    expect(tasks.map((span) => span.attributes['worker_pool.task.id']).sort()).to.deep.equal([
      'a',
      'b',
    ]);
    const spans = byId(receiver.spans);
    for (const attempt of receiver.spans.filter((span) => span.name === 'attempt')) {
      const task = spans.get(attempt.parentSpanId as string);
      expect(task?.name).to.equal('task');
      expect(attempt.traceId).to.equal(task?.traceId);
    }
    expect(receiver.spans.filter((span) => span.name === 'attempt')).to.have.length(2);
    expect(tasks[0].service).to.equal('rxjs-worker-pool run');
    expect(tasks[0].attributes['worker_pool.task.status']).to.equal('succeeded');
  });

  it('exits 2 naming the packages to install when the SDK is missing', async () => {
    const input = file('in.jsonl', '{"id":"a","input":1}\n');
    // (The same path says so for @opentelemetry/api.)
    for (const missing of ['@opentelemetry/sdk-node']) {
      const run = await cli(['run', '--handler', ECHO, '--input', input, '--trace'], {
        env: { NODE_OPTIONS: `--require ${HIDE}`, HIDE_MODULES: missing },
      });
      expect(run.code, missing).to.equal(2);
      expect(run.stderr).to.contain(`--trace needs the OpenTelemetry SDK (${missing} is missing)`);
      expect(run.stderr).to.contain('npm install @opentelemetry/api @opentelemetry/sdk-node');
      expect(run.stderr).not.to.match(/\n\s+at /); // no stack
    }
  });

  describe('enqueue --trace, then worker --trace (real Redis)', function () {
    const redis = useRedisServer(this);

    it("the worker's task spans continue the trace of the job's enqueue span", async () => {
      const queueName = `trace-cli-${process.pid}`;
      const input = file('jobs.jsonl', '{"id":"j1","input":1}\n{"id":"j2","input":2}\n');
      const enqueued = await cli(
        ['enqueue', '--queue', queueName, '--redis', redis().url, '--input', input, '--trace'],
        { env: receiver.env },
      );
      expect(enqueued.code, enqueued.stderr).to.equal(0);
      const events = new QueueEvents(queueName, {
        connection: { host: redis().host, port: redis().port },
        lastEventId: '0-0',
      });
      const { child, done } = start(
        ['worker', '--queue', queueName, '--redis', redis().url, '--handler', ECHO, '--trace'],
        { env: receiver.env },
      );
      await new Promise<void>((resolve) => {
        let completed = 0;
        events.on('completed', () => ++completed === 2 && resolve());
      });
      await events.close();
      child.kill('SIGTERM');
      const worker = await done;
      expect(worker.code, worker.stderr).to.equal(0);

      const spans = byId(receiver.spans);
      const tasks = receiver.spans.filter((span) => span.name === 'task');
      expect(tasks).to.have.length(2);
      for (const task of tasks) {
        const producer = spans.get(task.parentSpanId as string);
        expect(producer?.name).to.equal(`enqueue ${queueName}`);
        expect(producer?.kind).to.equal(4); // PRODUCER, in OTLP's numbering
        expect(producer?.service).to.equal('rxjs-worker-pool enqueue');
        expect(producer?.attributes['messaging.message.id']).to.equal(
          task.attributes['worker_pool.task.id'],
        );
        expect(task.traceId).to.equal(producer?.traceId);
        expect(task.service).to.equal('rxjs-worker-pool worker');
      }
    });
  });
});
