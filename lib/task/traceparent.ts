/**
 * A span's identity as the W3C Trace Context `traceparent` header carries it: what crosses a
 * thread or a process with a task so the work on the other side joins the same trace. The
 * fields are those of `SpanContext` in `@opentelemetry/api`, so its values fit directly.
 *
 * ## Example
 * ```ts
 * import type { TraceParent } from 'rxjs-worker-pool';
 * const parent: TraceParent = {
 *   traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
 *   spanId: '00f067aa0ba902b7',
 *   traceFlags: 1, // sampled
 * };
 * ```
 */
export interface TraceParent {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  /** Bit 0 is "sampled". */
  readonly traceFlags: number;
}

// Version 00 of https://www.w3.org/TR/trace-context/#traceparent-header; a later version may
// append fields after a dash, which a version-00 reader ignores.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * The `traceparent` header value of `parent` (version 00), or undefined when its ids are not
 * valid (an all-zero id is the "no span" marker of OpenTelemetry's non-recording spans).
 *
 * ## Example
 * ```ts
 * import { formatTraceparent } from 'rxjs-worker-pool';
 * formatTraceparent({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
 * // '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
 * ```
 */
export function formatTraceparent(parent: TraceParent): string | undefined {
  const { traceId, spanId, traceFlags } = parent;
  if (!validIds(traceId, spanId)) return undefined;
  if (!Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 0xff) return undefined;
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/**
 * The span a `traceparent` header value names, or undefined when it is not a valid one (wrong
 * shape, version `ff`, all-zero ids): a bad header starts a new trace rather than failing work.
 *
 * ## Example
 * ```ts
 * import { parseTraceparent } from 'rxjs-worker-pool';
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
 * parseTraceparent('garbage'); // undefined
 * ```
 */
export function parseTraceparent(header: unknown): TraceParent | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (!validIds(traceId, spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}

function validIds(traceId: string, spanId: string): boolean {
  return (
    /^[0-9a-f]{32}$/.test(traceId) &&
    /^[0-9a-f]{16}$/.test(spanId) &&
    traceId !== ZERO_TRACE &&
    spanId !== ZERO_SPAN
  );
}
