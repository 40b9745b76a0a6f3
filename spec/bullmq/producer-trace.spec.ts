import { expect } from 'chai';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Queue, type Job } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { firstValueFrom } from 'rxjs';
import { WorkerPool } from '../../lib';
import { consumeBullMQ } from '../../lib/bullmq';
import { inProducerTrace } from '../../lib/bullmq/producer-trace';
import { withTracing } from '../../lib/tracing';
import { silent } from '../support/pool-fixtures';
import { exporter, named, provider, tracer, useOtelContexts } from '../support/otel-sdk';
import { useRedisServer } from '../support/redis-server';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const jobWith = (telemetry: unknown): Job => ({ opts: { telemetry } }) as unknown as Job;
const activeSpanId = (): string | undefined => trace.getSpanContext(context.active())?.spanId;

describe('bullmq/producer-trace', function () {
  useOtelContexts(this);

  it("submits inside the job's trace, read as JSON carrier, object or bare traceparent", () => {
    const header = `00-${TRACE}-${SPAN}-01`;
    for (const metadata of [
      JSON.stringify({ traceparent: header }),
      { traceparent: header },
      header,
    ]) {
      const seen = inProducerTrace(jobWith({ metadata }), () =>
        trace.getSpanContext(context.active()),
      );
      expect(seen, JSON.stringify(metadata)).to.deep.include({
        traceId: TRACE,
        spanId: SPAN,
        traceFlags: 1,
        isRemote: true,
      });
    }
  });

  it('submits as it is when the job has no context, a bad one, or asks to omit it', () => {
    const good = JSON.stringify({ traceparent: `00-${TRACE}-${SPAN}-01` });
    for (const telemetry of [
      undefined,
      {},
      { metadata: '{"traceparent":"garbage"}' },
      { metadata: '[1,2]' },
      { metadata: 42 },
      { metadata: good, omitContext: true },
    ]) {
      expect(inProducerTrace(jobWith(telemetry), activeSpanId), JSON.stringify(telemetry)).to.equal(
        undefined,
      );
    }
  });

  it("uses the application's propagator when one is registered", () => {
    // A propagator that is not W3C's: the header name is its own.
    propagation.setGlobalPropagator({
      inject: () => undefined,
      extract: (ctx, carrier) => {
        const id = (carrier as Record<string, string>)['x-span'];
        return id === undefined
          ? ctx
          : trace.setSpanContext(ctx, {
              traceId: TRACE,
              spanId: id,
              traceFlags: 1,
              isRemote: true,
            });
      },
      fields: () => ['x-span'],
    });
    try {
      const metadata = JSON.stringify({ 'x-span': 'aaaaaaaaaaaaaaaa' });
      expect(inProducerTrace(jobWith({ metadata }), activeSpanId)).to.equal('aaaaaaaaaaaaaaaa');
    } finally {
      propagation.disable();
    }
  });

  describe("with BullMQ's own telemetry, on a real Redis", function () {
    this.timeout(20_000);
    const redis = useRedisServer(this);

    it("the consumer's task span continues the producer's trace", async () => {
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(provider);
      const name = `trace-${process.pid}`;
      const queue = new Queue(name, {
        connection: { host: redis().host, port: redis().port },
        telemetry: new BullMQOtel({ tracerName: 'producer' }),
      });
      const pool = withTracing(
        new WorkerPool<{ n: number }, number>({ logger: silent, handler: ({ n }) => n + 1 }),
        { tracer },
      );
      try {
        const request = tracer.startSpan('request');
        await context.with(trace.setSpan(context.active(), request), () =>
          queue.add('job', { n: 1 }, { jobId: 'traced-1' }),
        );
        request.end();
        const result = await firstValueFrom(
          consumeBullMQ(pool, { queueName: name, connection: { url: redis().url } }),
        );
        expect(result).to.include({ status: 'succeeded', value: 2 });
        const [task] = named('task');
        // BullMQ's producer span ('add …') is the task span's parent, in the request's trace.
        const producer = exporter
          .getFinishedSpans()
          .find((span) => span.spanContext().spanId === task.parentSpanContext?.spanId);
        expect(producer?.name).to.match(/^add /);
        expect(producer?.parentSpanContext?.spanId).to.equal(request.spanContext().spanId);
        expect(task.spanContext().traceId).to.equal(request.spanContext().traceId);
      } finally {
        await pool.shutdown({ timeoutMs: 0 });
        await queue.close();
        trace.disable();
        propagation.disable();
      }
    });
  });
});
