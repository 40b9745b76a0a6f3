/**
 * OpenTelemetry spans from submit to result: a task that fails once and is retried, the spans
 * its handler makes, and a task whose work runs on a worker thread and still joins the trace.
 * The spans go to an in-memory exporter and are printed as a tree; a service would register an
 * OTLP exporter instead (or run the CLI with --trace and the OTEL_* variables).
 *
 *   npx ts-node --transpile-only samples/tracing.ts
 *
 * Needs @opentelemetry/api, plus an SDK: here @opentelemetry/sdk-trace-base and
 * @opentelemetry/context-async-hooks.
 */
import * as path from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { WorkerPool } from '../lib';
import { threadHandler } from '../lib/threads';
import { withTracing } from '../lib/tracing';
import type { Resized } from './workers/traced.worker';

// The application's SDK: spans kept in memory, contexts carried through async calls.
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
const tracer = trace.getTracer('checkout-service');

/** A payment API that fails the first call, as flaky upstreams do. */
let calls = 0;
async function charge(order: string): Promise<string> {
  // A span the handler makes: it nests under the attempt that runs it.
  return tracer.startActiveSpan('POST /payments', async (span) => {
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (++calls === 1) throw new Error('502 from the payment API');
      return `${order} paid`;
    } finally {
      span.end();
    }
  });
}

/** The finished spans as an indented tree, children under their parents, oldest first. */
function printTree(spans: ReadableSpan[]): void {
  const children = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const ms = (span: ReadableSpan): string =>
    `${(span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(1)} ms`;
  const print = (span: ReadableSpan, indent: string): void => {
    const status = span.status.code === 2 ? `  ERROR: ${span.status.message}` : '';
    const attributes = Object.entries(span.attributes)
      .filter(([key]) => key.startsWith('worker_pool.'))
      .map(([key, value]) => `${key.slice('worker_pool.'.length)}=${String(value)}`)
      .join(' ');
    console.log(
      `${indent}${span.name}  ${ms(span)}${status}${attributes ? `  [${attributes}]` : ''}`,
    );
    if (span.name === 'task') {
      const events = span.events.map((event) =>
        event.name === 'retrying'
          ? `retrying (${String(event.attributes?.['worker_pool.retry.delay_ms'])} ms)`
          : event.name,
      );
      console.log(`${indent}  events: ${events.join(', ')}`);
    }
    const kids = (children.get(span.spanContext().spanId) ?? []).sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    for (const child of kids) print(child, `${indent}  `);
  };
  for (const root of children.get(undefined) ?? []) print(root, '');
}

async function main(): Promise<void> {
  const pool = withTracing(
    new WorkerPool<string, string>({
      logging: { level: 'silent' },
      handler: charge,
      retry: {
        maxAttempts: 3,
        backoff: { strategy: 'fixed', initialMs: 20, maxMs: 20, jitter: 'none' },
      },
    }),
  );
  // The caller's span (an HTTP request, say): the task span is its child.
  await tracer.startActiveSpan('POST /checkout', async (request) => {
    console.log(await pool.submit('order-17', { id: 'order-17', priority: 'high' }));
    request.end();
  });
  await pool.shutdown();
  console.log('\nThe trace of a task that failed once and was retried:');
  printTree(exporter.getFinishedSpans());

  // Work on a worker thread: the attempt's traceparent travels with the task, and the worker
  // (which registers its own SDK) makes its span inside that context.
  exporter.reset();
  const threads = withTracing(
    new WorkerPool<number, Resized>({
      logging: { level: 'silent' },
      handler: threadHandler({
        filename: path.join(__dirname, 'workers', 'traced.worker.ts'),
        name: 'resize',
        threads: { max: 1 },
      }),
    }),
  );
  const resized = await threads.submit(100_000, { id: 'thumbnail-3' });
  await threads.shutdown();
  const attempt = exporter.getFinishedSpans().find((span) => span.name === 'attempt');
  const joined = resized.parentSpanId === attempt?.spanContext().spanId;
  if (!joined) process.exitCode = 1;
  console.log(
    `\nOn a worker thread: its span is in trace ${resized.traceId.slice(0, 8)}…, ` +
      `under span ${resized.parentSpanId}, the attempt ` +
      `(${attempt?.spanContext().spanId}, trace ${attempt?.spanContext().traceId.slice(0, 8)}…): ` +
      (joined ? 'joined' : 'NOT joined'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
