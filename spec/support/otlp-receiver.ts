import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON export carries it, with its resource's service name. */
export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  kind: number;
  service: string | undefined;
  attributes: Record<string, unknown>;
}

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

/** An attribute's value, whatever OTLP's JSON wraps it in (`stringValue`, `intValue`...). */
const plain = (value: Record<string, unknown>): unknown => Object.values(value)[0];
const toRecord = (list: KeyValue[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));

/**
 * A trace collector for CLI specs: an HTTP server on a loopback port chosen per run that takes
 * OTLP/HTTP JSON exports (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) and keeps their spans.
 */
export async function startOtlpReceiver(): Promise<{
  /** The variables that point a child's OpenTelemetry SDK here. */
  env: NodeJS.ProcessEnv;
  spans: ReceivedSpan[];
  stop(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const parsed = JSON.parse(body) as {
          resourceSpans?: {
            resource?: { attributes?: KeyValue[] };
            scopeSpans?: { spans?: Record<string, unknown>[] }[];
          }[];
        };
        for (const resourceSpans of parsed.resourceSpans ?? []) {
          const service = toRecord(resourceSpans.resource?.attributes)['service.name'];
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                name: span.name as string,
                traceId: span.traceId as string,
                spanId: span.spanId as string,
                parentSpanId: (span.parentSpanId as string | undefined) || undefined,
                kind: span.kind as number,
                service: service as string | undefined,
                attributes: toRecord(span.attributes as KeyValue[]),
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
    },
    spans,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
