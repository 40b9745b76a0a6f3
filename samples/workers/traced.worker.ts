// Runs on a worker thread of samples/tracing.ts. A thread has its own OpenTelemetry globals:
// to record spans here, register an SDK in the worker file, as below (a real service would
// export them, with an OTLP exporter, say). The worker function then runs inside the
// attempt's trace context, so the span it makes joins the main thread's trace.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
// An application imports the type from 'rxjs-worker-pool/threads'.
import type { WorkerFunctionContext } from '../../lib/threads/thread-handler';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider());
const tracer = trace.getTracer('resize.worker');

export interface Resized {
  bytes: number;
  /** Where the span made on this thread landed: its trace and its parent span. */
  traceId: string;
  parentSpanId: string | undefined;
}

export function resize(size: number, { traceparent }: WorkerFunctionContext): Resized {
  const span = tracer.startSpan('resize on a thread', { attributes: { traceparent } });
  let bytes = 0;
  for (let i = 0; i < size; i++) bytes += (i * 31) % 7;
  span.end();
  // The SDK's spans are also ReadableSpans: they know their parent.
  const parent = (span as unknown as ReadableSpan).parentSpanContext;
  return { bytes, traceId: span.spanContext().traceId, parentSpanId: parent?.spanId };
}
