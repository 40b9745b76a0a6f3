import type { Span, Tracer } from '@opentelemetry/api';
import { formatTraceparent } from '../index';
import { UsageError } from './usage-error';

type OtelApi = typeof import('@opentelemetry/api');
type SdkNode = typeof import('@opentelemetry/sdk-node');

/** What `--trace` installs for one command: the SDK, and how to flush it before exiting. */
export interface CliTracing {
  readonly api: OtelApi;
  readonly tracer: Tracer;
  /** Exports what is left and stops the SDK: called before the command returns its code. */
  shutdown(): Promise<void>;
}

/** The packages `--trace` loads; named in the exit-2 message when one is missing. */
const SDK_PACKAGES = ['@opentelemetry/api', '@opentelemetry/sdk-node'] as const;

/**
 * Starts the OpenTelemetry Node SDK as the standard `OTEL_*` variables configure it
 * (`OTEL_TRACES_EXPORTER=otlp|console|zipkin`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, ...). Traces only:
 * the CLI has no metrics or logs to export through it (its metrics are the report's).
 */
export function startTracing(command: string): CliTracing {
  const api = load<OtelApi>('@opentelemetry/api');
  const { NodeSDK, resources } = load<SdkNode>('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    // Detectors whose attributes are known at once: the host detector's id is a promise, and a
    // span that ends before it settles is exported after sdk.shutdown() resolves, that is,
    // after the CLI has exited. OTEL_NODE_RESOURCE_DETECTORS still chooses, when set.
    ...(process.env.OTEL_NODE_RESOURCE_DETECTORS === undefined
      ? { resourceDetectors: [resources.envDetector, resources.processDetector] }
      : {}),
    // The service is the command unless the environment names one.
    serviceName: process.env.OTEL_SERVICE_NAME ?? `rxjs-worker-pool ${command}`,
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    api,
    tracer: api.trace.getTracer('rxjs-worker-pool-cli'),
    shutdown: () => sdk.shutdown(),
  };
}

/**
 * A producer span for one job `enqueue --trace` adds, and the job's `telemetry` option that
 * carries it where BullMQ's own telemetry would (`opts.telemetry.metadata`, a JSON carrier):
 * `worker --trace` continues the trace from there.
 */
export function producerSpan(
  tracing: CliTracing,
  queue: string,
  jobId: string,
): { span: Span; telemetry: { metadata: string } } {
  const { api, tracer } = tracing;
  const span = tracer.startSpan(`enqueue ${queue}`, {
    kind: api.SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'bullmq',
      'messaging.destination.name': queue,
      'messaging.message.id': jobId,
    },
  });
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.trace.setSpan(api.context.active(), span), carrier);
  // OTEL_PROPAGATORS may name none that writes a traceparent: the W3C one always travels.
  carrier.traceparent ??= formatTraceparent(span.spanContext()) ?? '';
  if (carrier.traceparent === '') delete carrier.traceparent;
  return { span, telemetry: { metadata: JSON.stringify(carrier) } };
}

function load<T>(name: (typeof SDK_PACKAGES)[number]): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only with --trace
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new UsageError(
      `--trace needs the OpenTelemetry SDK (${name} is missing): npm install ${SDK_PACKAGES.join(' ')}`,
    );
  }
}
