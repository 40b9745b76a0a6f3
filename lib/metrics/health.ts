import { describeValue } from '../options/describe-value';
import type { PoolMetrics } from './pool-metrics';

/**
 * How the pool is doing, as data a service's health endpoint can return.
 *
 * ## Example
 * ```ts
 * import type { HealthStatus } from 'rxjs-worker-pool';
 * const health: HealthStatus = pool.health();
 * res.statusCode = health.status === 'unhealthy' ? 503 : 200;
 * res.end(JSON.stringify(health));
 * ```
 */
export interface HealthStatus {
  /** `'ok'`, `'degraded'` (working but under strain) or `'unhealthy'` (not taking work). */
  status: 'ok' | 'degraded' | 'unhealthy';
  /** Why it is not ok, one readable sentence with its numbers each; empty when ok. */
  reasons: string[];
}

/**
 * Thresholds of {@link evaluateHealth}.
 *
 * ## Example
 * ```ts
 * import type { HealthOptions } from 'rxjs-worker-pool';
 * const strict: HealthOptions = { queueHighWater: 0.5, maxEventLoopDelayMs: 50 };
 * const absolute: HealthOptions = { queueHighWater: 1000 }; // 1000 waiting tasks
 * ```
 */
export interface HealthOptions {
  /**
   * Queue depth at or above which the pool is degraded: a number in (0, 1] is a fraction of
   * the queue capacity (ignored when the queue is unbounded); a number above 1 is a count of
   * waiting tasks. Defaults to 0.8.
   */
  queueHighWater?: number;
  /** Event-loop delay p99, in ms, above which the pool is degraded. Defaults to 200. */
  maxEventLoopDelayMs?: number;
}

/**
 * What {@link evaluateHealth} judges.
 *
 * ## Example
 * ```ts
 * import type { HealthInput } from 'rxjs-worker-pool';
 * const input: HealthInput = { metrics: pool.metrics(), queueCapacity: 1000, breakerOpen: false, shuttingDown: false };
 * ```
 */
export interface HealthInput {
  metrics: PoolMetrics;
  /** Waiting tasks the queue holds at most; `Infinity` when unbounded. */
  queueCapacity: number;
  breakerOpen: boolean;
  shuttingDown: boolean;
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0)) {
    throw new RangeError(
      `Expected \`${name}\` to be a number above 0, got ${describeValue(value)}`,
    );
  }
}

/**
 * Judges the pool's health from a metrics snapshot and its state; a pure function.
 *
 * Shutting down makes it unhealthy; an open circuit breaker, a queue at or above its
 * high-water mark or an event-loop delay above its bound make it degraded. Every reason that
 * applies is listed, the worst status wins.
 *
 * ## Example
 * ```ts
 * import { evaluateHealth } from 'rxjs-worker-pool';
 * const health = evaluateHealth(
 *   { metrics: pool.metrics(), queueCapacity: 100, breakerOpen: false, shuttingDown: false },
 *   { queueHighWater: 0.8 },
 * );
 * console.log(health);
 * // Output (with 90 queued):
 * // { status: 'degraded', reasons: ['queue at 90 of 100 waiting tasks (90%), high-water 80'] }
 * ```
 * @param input the snapshot, the queue capacity and the pool's state.
 * @param options thresholds; see {@link HealthOptions}.
 * @return the status and its reasons.
 */
export function evaluateHealth(input: HealthInput, options: HealthOptions = {}): HealthStatus {
  checkPositive('queueHighWater', options.queueHighWater);
  checkPositive('maxEventLoopDelayMs', options.maxEventLoopDelayMs);
  const highWater = options.queueHighWater ?? 0.8;
  const maxDelay = options.maxEventLoopDelayMs ?? 200;
  const { metrics, queueCapacity } = input;
  const unhealthy: string[] = [];
  const degraded: string[] = [];

  if (input.shuttingDown) unhealthy.push('shutting down: new tasks are refused');
  if (input.breakerOpen) degraded.push('circuit breaker open: dispatch paused');

  const bounded = Number.isFinite(queueCapacity) && queueCapacity > 0;
  const limit =
    highWater > 1
      ? highWater
      : bounded
        ? Math.max(1, Math.ceil(highWater * queueCapacity))
        : undefined;
  if (limit !== undefined && metrics.queued >= limit) {
    const share = bounded ? ` (${Math.round((metrics.queued / queueCapacity) * 100)}%)` : '';
    const of = bounded ? ` of ${queueCapacity}` : '';
    degraded.push(`queue at ${metrics.queued}${of} waiting tasks${share}, high-water ${limit}`);
  }

  const delay = metrics.system.eventLoopDelayMs;
  if (delay > maxDelay) {
    degraded.push(`event-loop delay p99 ${round(delay)} ms above ${maxDelay} ms`);
  }

  const status = unhealthy.length > 0 ? 'unhealthy' : degraded.length > 0 ? 'degraded' : 'ok';
  return { status, reasons: [...unhealthy, ...degraded] };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
