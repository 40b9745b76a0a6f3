import type { Context } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { parseTraceparent } from '../index';

type OtelApi = typeof import('@opentelemetry/api');

/** @opentelemetry/api once looked up: null when it is not installed (nothing to continue). */
let otel: OtelApi | null | undefined;

/**
 * Calls `submit` inside the trace context `job` carries, if any, so that a traced pool's task
 * span (which takes the context active at submit) continues the producer's trace. The context
 * is where BullMQ's own telemetry puts it, `job.opts.telemetry.metadata`: the JSON of a
 * propagation carrier (bullmq-otel), which the CLI's `enqueue --trace` writes too. A job with
 * none, or a process without @opentelemetry/api, just submits.
 */
export function inProducerTrace<R>(job: Job, submit: () => R): R {
  const metadata = job.opts.telemetry?.metadata;
  if (metadata === undefined || job.opts.telemetry?.omitContext === true) return submit();
  const api = loadOtel();
  if (api === null) return submit();
  const parent = producerContext(api, metadata);
  return parent === undefined ? submit() : api.context.with(parent, submit);
}

/**
 * The context `metadata` names: through the application's registered propagator first (which
 * may not be W3C's), else read as a W3C `traceparent`; undefined when it names no valid span.
 */
function producerContext(api: OtelApi, metadata: unknown): Context | undefined {
  const carrier = toCarrier(metadata);
  if (carrier === undefined) return undefined;
  const active = api.context.active();
  const extracted = api.propagation.extract(active, carrier);
  if (api.trace.getSpanContext(extracted) !== undefined) return extracted;
  const parent = parseTraceparent(carrier.traceparent);
  if (parent === undefined) return undefined;
  return api.trace.setSpanContext(active, { ...parent, isRemote: true });
}

/** BullMQ types the metadata as a string (a JSON carrier); older telemetry stored the object. */
function toCarrier(metadata: unknown): Record<string, string> | undefined {
  let value = metadata;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // A bare traceparent, not JSON.
      return { traceparent: value as string };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const carrier: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string') carrier[key] = field;
  }
  return carrier;
}

function loadOtel(): OtelApi | null {
  if (otel === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer
      otel = require('@opentelemetry/api') as OtelApi;
    } catch {
      otel = null;
    }
  }
  return otel;
}
