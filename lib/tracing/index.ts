/*
 * rxjs-worker-pool/tracing: OpenTelemetry spans for every task, on the pool's public
 * instrumentation hook. Kept out of the root entry, which never loads @opentelemetry/api.
 */
export { withTracing, type TracingOptions } from './with-tracing';
