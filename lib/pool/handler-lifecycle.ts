import type { Logger } from 'pino';
import type { ThreadsMetrics } from '../metrics/pool-metrics';
import type { TaskContext } from '../task/task';

/**
 * The key under which a handler that owns resources (threads, connections) describes them to
 * the pool. `Symbol.for`, so two copies of the package still recognise each other's handlers.
 *
 * ## Example
 * ```ts
 * import { HANDLER_LIFECYCLE } from 'rxjs-worker-pool';
 * const handler = Object.assign(async (query: string) => db.run(query), {
 *   [HANDLER_LIFECYCLE]: { maxConcurrency: 8, close: () => db.end() },
 * });
 * ```
 */
export const HANDLER_LIFECYCLE: unique symbol = Symbol.for('rxjs-worker-pool.handler-lifecycle');

/**
 * What a resource-owning handler tells the pool it is given to: how many attempts it can run at
 * once, its own metrics, and how to stop it after shutdown. `threadHandler` (from
 * `rxjs-worker-pool/threads`) is one; write your own the same way to bring another executor
 * (child processes, a remote service) under the pool.
 *
 * ## Example
 * ```ts
 * import { HANDLER_LIFECYCLE, WorkerPool, type Handler, type HandlerLifecycle } from 'rxjs-worker-pool';
 * const connections = openConnections(8);
 * const handler: Handler<Query, Row[]> & { [HANDLER_LIFECYCLE]: HandlerLifecycle } = Object.assign(
 *   (query: Query) => connections.run(query),
 *   { [HANDLER_LIFECYCLE]: { maxConcurrency: 8, close: () => connections.end() } },
 * );
 * const pool = new WorkerPool({ handler, concurrency: 8 }); // 9 would be a ConfigError
 * ```
 */
export interface HandlerLifecycle {
  /**
   * The most attempts it can run at once. Every limit the pool can reach must be at most this:
   * a larger number or `concurrency.max` is a `ConfigError`, `setConcurrency()` above it a
   * `RangeError`, and a larger value from a concurrency Observable is clamped (and logged).
   * Without an explicit `concurrency`, the pool starts at this limit.
   */
  readonly maxConcurrency?: number;
  /** What the maxConcurrency option is called, for error messages. Defaults to `maxConcurrency`. */
  readonly maxConcurrencyName?: string;
  /** Called once, by the pool's constructor; throw to refuse a second pool. */
  attach?(pool: { readonly logger: Logger }): void;
  /** Metrics of the handler's threads; the pool reports them as `metrics().threads`. */
  threadMetrics?(): ThreadsMetrics;
  /** Called by `shutdown()` after the drain, before the cleanup callbacks. */
  close?(): Promise<void>;
  /**
   * Called when the pool aborts an attempt (its timeout, a cancel, a shutdown cut), with the
   * context that attempt's handler call received and the abort's reason. A handler that stops
   * its work this way need not read `ctx.signal`, whose AbortController costs ~3 µs an attempt.
   * The attempt then ends as the pool says (timed out, cancelled), whatever the handler returns.
   */
  abort?(ctx: TaskContext<unknown>, reason: Error): void;
}

/** The lifecycle a handler carries, if any. */
export function handlerLifecycle(handler: unknown): HandlerLifecycle | undefined {
  if (typeof handler !== 'function') return undefined;
  const lifecycle = (handler as { [HANDLER_LIFECYCLE]?: HandlerLifecycle })[HANDLER_LIFECYCLE];
  return lifecycle !== null && typeof lifecycle === 'object' ? lifecycle : undefined;
}
