import { expect } from 'chai';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import * as path from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { WorkerPool, batchHandler, formatTraceparent } from '../../lib';
import { threadHandler } from '../../lib/threads';
import { withTracing } from '../../lib/tracing';
import { exporter, named, tracer, useOtelContexts } from '../support/otel-sdk';
import { silent } from '../support/pool-fixtures';

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

// The real OpenTelemetry SDK (spec/support/otel-sdk.ts), as an application sets it up.
describe('tracing/with-tracing (OpenTelemetry SDK)', function () {
  useOtelContexts(this);

  it('a task span under the caller span, an attempt span under it, and handler spans under that', async () => {
    const pool = withTracing(
      new WorkerPool<string, string>({
        logger: silent,
        handler: async (input) => {
          const inner = tracer.startSpan('handler work');
          inner.end();
          return input.toUpperCase();
        },
      }),
      { tracer },
    );
    const caller = tracer.startSpan('request');
    await context.with(trace.setSpan(context.active(), caller), () =>
      pool.submit('a', { id: 't1' }),
    );
    caller.end();
    const [task] = named('task');
    const [attempt] = named('attempt');
    const [work] = named('handler work');
    expect(parentOf(task)).to.equal(caller.spanContext().spanId);
    expect(task.spanContext().traceId).to.equal(caller.spanContext().traceId);
    expect(parentOf(attempt)).to.equal(task.spanContext().spanId);
    expect(parentOf(work)).to.equal(attempt.spanContext().spanId);
    expect(task.attributes).to.include({
      'worker_pool.task.id': 't1',
      'worker_pool.task.priority': 'normal',
      'worker_pool.task.status': 'succeeded',
      'worker_pool.task.attempts': 1,
    });
    expect(task.events.map((event) => event.name)).to.deep.equal(['queued', 'started']);
    await pool.shutdown();
  });

  it('a batch call is one span, linked to each item’s task span; a call that fails is ERROR', async () => {
    let calls = 0;
    const pool = withTracing(
      new WorkerPool<string, string>({
        logger: silent,
        concurrency: 1,
        retry: { maxAttempts: 2, backoff: { delayMs: () => 0 } },
        handler: batchHandler(
          async (inputs: string[]) => {
            tracer.startSpan('bulk call').end();
            if (++calls === 1) throw new Error('bulk API down');
            return inputs.map((input) => input.toUpperCase());
          },
          // The three retries come back one by one: they meet in one batch again.
          { maxSize: 3, maxWaitMs: 50 },
        ),
      }),
      { tracer },
    );
    pool.pause();
    const results = ['a', 'b', 'c'].map((input, i) => pool.submit(input, { id: `t${i}` }));
    pool.resume();
    expect(await Promise.all(results)).to.deep.equal(['A', 'B', 'C']);
    const calls$ = named('batch attempt');
    expect(calls$).to.have.length(2);
    const tasks = named('task');
    const taskContexts = tasks.map((task) => task.spanContext().spanId).sort();
    for (const call of calls$) {
      expect(call.attributes['worker_pool.batch.size']).to.equal(3);
      expect(call.links.map((link) => link.context.spanId).sort()).to.deep.equal(taskContexts);
      expect(parentOf(call)).to.equal(undefined);
    }
    expect(calls$[0].status.code).to.equal(SpanStatusCode.ERROR);
    expect(calls$[0].status.message).to.match(/bulk API down/);
    expect(calls$[1].status.code).to.not.equal(SpanStatusCode.ERROR);
    // The batch function's own spans nest under its call's span.
    const bulk = named('bulk call');
    expect(bulk.map(parentOf)).to.deep.equal(calls$.map((call) => call.spanContext().spanId));
    // Each task span saw its two attempts start, and no per-item attempt span was made.
    expect(tasks[0].events.map((event) => event.name)).to.deep.equal([
      'queued',
      'started',
      'retrying',
      'started',
    ]);
    expect(named('attempt')).to.have.length(0);
    await pool.shutdown();
  });

  it('a retry is a second attempt span; the failed one has status ERROR and the exception', async () => {
    let calls = 0;
    const pool = withTracing(
      new WorkerPool<string, string>({
        logger: silent,
        handler: async (input) => {
          if (++calls === 1) throw new Error('flaky');
          return input;
        },
        retry: {
          maxAttempts: 2,
          backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1, jitter: 'none' },
        },
      }),
      { tracer },
    );
    await pool.submit('a', { id: 'r1' });
    const attempts = named('attempt').sort(
      (a, b) =>
        Number(a.attributes['worker_pool.attempt']) - Number(b.attributes['worker_pool.attempt']),
    );
    expect(attempts.map((span) => span.status.code)).to.deep.equal([
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(attempts[0].events.map((event) => event.name)).to.deep.equal(['exception']);
    const [task] = named('task');
    expect(task.events.map((event) => event.name)).to.deep.equal([
      'queued',
      'started',
      'retrying',
      'started',
    ]);
    expect(task.events[2].attributes).to.deep.equal({ 'worker_pool.retry.delay_ms': 1 });
    expect(task.attributes['worker_pool.task.attempts']).to.equal(2);
    await pool.shutdown();
  });

  it('a timed-out task ends with status ERROR on its attempt and its task span', async () => {
    const pool = withTracing(
      new WorkerPool<string, string>({
        logger: silent,
        handler: (_input, { signal }) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          ),
        timeoutMs: 10,
        retry: { maxAttempts: 1 },
      }),
      { tracer },
    );
    await pool.submit('slow').catch(() => undefined);
    const [attempt] = named('attempt');
    const [task] = named('task');
    expect(attempt.status.code).to.equal(SpanStatusCode.ERROR);
    expect(attempt.status.message).to.match(/timed out/i);
    expect(task.status.code).to.equal(SpanStatusCode.ERROR);
    expect(task.attributes['worker_pool.task.status']).to.equal('failed');
    await pool.shutdown();
  });

  it('process() items take the context where they were received', async () => {
    const pool = withTracing(
      new WorkerPool<number, number>({ logger: silent, handler: (n) => n * 2 }),
      { tracer },
    );
    const stream = tracer.startSpan('stream');
    const results = await context.with(trace.setSpan(context.active(), stream), () =>
      lastValueFrom(pool.process(from([1, 2, 3])).pipe(toArray())),
    );
    stream.end();
    expect(results).to.have.length(3);
    const tasks = named('task');
    expect(tasks).to.have.length(3);
    for (const task of tasks) expect(parentOf(task)).to.equal(stream.spanContext().spanId);
    await pool.shutdown();
  });

  it("the handler reads its attempt's traceparent as ctx.traceparent; an untraced pool has none", async () => {
    const seen: (string | undefined)[] = [];
    const handler = (input: string, ctx: { traceparent?: string }): string => {
      seen.push(ctx.traceparent);
      return input;
    };
    const traced = withTracing(new WorkerPool<string, string>({ logger: silent, handler }), {
      tracer,
    });
    await traced.submit('a');
    const [attempt] = named('attempt');
    expect(seen).to.deep.equal([formatTraceparent(attempt.spanContext())]);
    expect(seen[0]).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await traced.shutdown();

    const untraced = new WorkerPool<string, string>({ logger: silent, handler });
    await untraced.submit('b');
    expect(seen[1]).to.equal(undefined);
    await untraced.shutdown();
  });

  it('the task span carries the key and weight; a sampled-out task makes no attempt span', async () => {
    const pool = withTracing(
      new WorkerPool<string, string | undefined>({
        logger: silent,
        concurrency: 2,
        handler: (_input, ctx) => ctx.traceparent,
      }),
      { tracer },
    );
    await pool.submit('a', { key: 'tenant-1', weight: 2 });
    const [task] = named('task');
    expect(task.attributes).to.include({
      'worker_pool.task.key': 'tenant-1',
      'worker_pool.task.weight': 2,
    });
    await pool.shutdown();
    exporter.reset();

    const sampledOut = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    }).getTracer('off');
    const quiet = withTracing(
      new WorkerPool<string, string | undefined>({
        logger: silent,
        handler: (_input, ctx) => ctx.traceparent,
      }),
      { tracer: sampledOut },
    );
    // The trace still travels (flags 00: not sampled), but nothing is recorded.
    expect(await quiet.submit('b')).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(exporter.getFinishedSpans()).to.deep.equal([]);
    await quiet.shutdown();
  });

  describe('across a worker thread', () => {
    const fixture = (name: string): string => path.join(__dirname, 'fixtures', name);

    it("the worker function gets the attempt's traceparent, and its spans join the trace", async () => {
      const pool = withTracing(
        new WorkerPool<string, Record<string, unknown>>({
          logger: silent,
          handler: threadHandler({ filename: fixture('traced.worker.js'), threads: { max: 1 } }),
        }),
        { tracer },
      );
      const caller = tracer.startSpan('request');
      const output = await context.with(trace.setSpan(context.active(), caller), () =>
        pool.submit('x', { id: 'thread-1' }),
      );
      caller.end();
      await pool.shutdown();
      const [attempt] = named('attempt');
      expect(output).to.include({
        input: 'x',
        attempt: 1,
        taskId: 'thread-1',
        traceparent: formatTraceparent(attempt.spanContext()),
        // The span the worker made in its own thread: same trace, under the attempt.
        traceId: caller.spanContext().traceId,
        parentSpanId: attempt.spanContext().spanId,
      });
    });

    it('a thread without OpenTelemetry still gets the string; an untraced pool sends none', async () => {
      const handler = threadHandler<string, { traceparent?: string }>({
        filename: fixture('plain.worker.js'),
        threads: { max: 1 },
      });
      const traced = withTracing(new WorkerPool({ logger: silent, handler }), { tracer });
      const withTrace = await traced.submit('a');
      expect(withTrace.traceparent).to.equal(formatTraceparent(named('attempt')[0].spanContext()));
      await traced.shutdown();

      const plain = threadHandler<string, { traceparent?: string }>({
        filename: fixture('plain.worker.js'),
        threads: { max: 1 },
      });
      const untraced = new WorkerPool({ logger: silent, handler: plain });
      expect((await untraced.submit('b')).traceparent).to.equal(undefined);
      await untraced.shutdown();
    });
  });
});
