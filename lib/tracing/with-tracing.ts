import type { Attributes, Context, Link, Span, Tracer } from '@opentelemetry/api';
import {
  formatTraceparent,
  priorityName,
  requireOptionalPeer,
  type BatchItem,
  type PoolInstrumentation,
  type Task,
  type WorkerPool,
} from '../index';

/**
 * Options of {@link withTracing}.
 *
 * ## Example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * import type { TracingOptions } from 'rxjs-worker-pool/tracing';
 * const options: TracingOptions = { tracer: trace.getTracer('billing') };
 * ```
 */
export interface TracingOptions {
  /** Defaults to `trace.getTracer('rxjs-worker-pool', <version>)` from `@opentelemetry/api`. */
  tracer?: Tracer;
}

/** What a task's spans need between its hooks: the task span, its context, the attempt's. */
interface TaskSpans {
  span: Span;
  context: Context;
  attempt: Span | undefined;
  /** False when the SDK samples the task out: no attempt spans, no events, just the context. */
  recording: boolean;
}

/**
 * OpenTelemetry spans for every task of `pool`, from acceptance to its result: a `task` span
 * (parent: the context active where `submit()`/`run()` was called, or where `process()`
 * received the item) with events `queued`, `started` and `retrying`, and a child `attempt`
 * span per attempt, ended with status ERROR and the exception recorded on failure, timeout or
 * abort. The handler runs with the attempt span active, so spans it makes nest under it, and
 * reads the attempt's W3C `traceparent` as `ctx.traceparent` (a `threadHandler` sends it to
 * its thread). With a `batchHandler`, each call is one `batch attempt` span (attribute
 * `worker_pool.batch.size`) in a trace of its own, linked to the task span of each of its items;
 * the batch function runs inside it, and it ends with status ERROR when the call failed as a
 * whole.
 * Built on {@link WorkerPool.instrument}; returns the same pool. Needs the optional peer
 * `@opentelemetry/api` (a `ConfigError` says how to install it) and an SDK registered by the
 * application to record anything.
 *
 * ## Example
 * ```ts
 * import { WorkerPool } from 'rxjs-worker-pool';
 * import { withTracing } from 'rxjs-worker-pool/tracing';
 * const pool = withTracing(new WorkerPool({ handler: async (url: string) => (await fetch(url)).status }));
 * await pool.submit('https://example.com'); // a `task` span with one `attempt` span under it
 * ```
 */
export function withTracing<I, O>(
  pool: WorkerPool<I, O>,
  options: TracingOptions = {},
): WorkerPool<I, O> {
  const api = loadApi();
  const tracer = options.tracer ?? api.trace.getTracer('rxjs-worker-pool', version());
  // Keyed by the task object: every hook of one task receives the same one. A Map, not a
  // WeakMap: every accepted task ends (and is deleted) exactly once, and a WeakMap's
  // ephemerons cost every garbage collection.
  const spans = new Map<Task<I>, TaskSpans>();
  /** The span of each batch call in progress, by its items' array (the hooks get the same one). */
  const batches = new Map<readonly BatchItem<I>[], Span>();
  const failed = (span: Span, error: Error | undefined): void => {
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: error?.message });
    if (error !== undefined) span.recordException(error);
  };
  const instrumentation: PoolInstrumentation<I, O> = {
    accepted(task) {
      const parent = api.context.active();
      const attributes: Attributes = {
        'worker_pool.task.id': task.id,
        'worker_pool.task.priority': priorityName(task.priority),
      };
      const { key, weight } = task;
      if (key !== undefined) attributes['worker_pool.task.key'] = key;
      if (weight !== undefined) attributes['worker_pool.task.weight'] = weight;
      const span = tracer.startSpan('task', { attributes }, parent);
      const recording = span.isRecording();
      if (recording) span.addEvent('queued');
      spans.set(task, {
        span,
        context: api.trace.setSpan(parent, span),
        attempt: undefined,
        recording,
      });
    },
    attempt(task, attempt, run) {
      const entry = spans.get(task);
      if (entry === undefined) return run();
      // Sampled out: the handler still runs in the task's (non-recording) context, so what it
      // traces follows the same decision, but no span is made per attempt.
      if (!entry.recording) return api.context.with(entry.context, run);
      entry.span.addEvent('started', { 'worker_pool.attempt': attempt });
      const span = tracer.startSpan(
        'attempt',
        { attributes: { 'worker_pool.attempt': attempt } },
        entry.context,
      );
      entry.attempt = span;
      return api.context.with(api.trace.setSpan(entry.context, span), run);
    },
    attemptEnded(task, _attempt, outcome, error) {
      const entry = spans.get(task);
      const span = entry?.attempt;
      if (entry === undefined || span === undefined) return;
      if (outcome !== 'succeeded') failed(span, error);
      span.end();
      entry.attempt = undefined;
    },
    batchAttempt(items, run) {
      // One span for the call, in a trace of its own, linked to each item's task span (the
      // items come from many traces); the batch function runs inside it.
      const links: Link[] = [];
      for (const { task, attempt } of items) {
        const entry = spans.get(task);
        if (entry === undefined) continue;
        links.push({ context: entry.span.spanContext() });
        if (entry.recording) entry.span.addEvent('started', { 'worker_pool.attempt': attempt });
      }
      const span = tracer.startSpan(
        'batch attempt',
        { attributes: { 'worker_pool.batch.size': items.length }, links, root: true },
        api.context.active(),
      );
      batches.set(items, span);
      return api.context.with(api.trace.setSpan(api.context.active(), span), run);
    },
    batchEnded(items, error) {
      const span = batches.get(items);
      if (span === undefined) return;
      batches.delete(items);
      if (error !== undefined) failed(span, error);
      span.end();
    },
    retrying(task, _attempt, delayMs) {
      const entry = spans.get(task);
      if (entry?.recording) {
        entry.span.addEvent('retrying', { 'worker_pool.retry.delay_ms': delayMs });
      }
    },
    traceparent(task) {
      const entry = spans.get(task);
      // The attempt's span, or the task's when sampled out (its flags say "not sampled").
      const span = entry?.attempt ?? entry?.span;
      return span === undefined ? undefined : formatTraceparent(span.spanContext());
    },
    ended(result) {
      const entry = spans.get(result.task);
      if (entry === undefined) return;
      spans.delete(result.task);
      const { span } = entry;
      if (!entry.recording) {
        span.end();
        return;
      }
      span.setAttributes({
        'worker_pool.task.status': result.status,
        'worker_pool.task.attempts': result.attempts,
        'worker_pool.task.wait_ms': result.waitMs,
      });
      if (result.status !== 'succeeded') failed(span, result.error);
      span.end();
    },
  };
  pool.instrument(instrumentation);
  return pool;
}

/** `@opentelemetry/api`, an optional peer, loaded with the first traced pool. */
function loadApi(): typeof import('@opentelemetry/api') {
  return requireOptionalPeer('@opentelemetry/api', 'withTracing');
}

/** This package's version, for the default tracer's name. */
function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- read once per traced pool
  return (require('../../package.json') as { version: string }).version;
}
