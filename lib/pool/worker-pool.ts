import type { Observable } from 'rxjs';
import type { PoolConfig } from '../config/schema';
import type { PoolMetrics } from '../metrics/pool-metrics';
import { evaluateHealth, type HealthStatus } from '../metrics/health';
import { installSignalHandlers } from '../shutdown/signal-handlers';
import type { DrainReport, ShutdownOptions, ShutdownReport } from '../shutdown/shutdown-report';
import { toPriority, type Priority, type PriorityName } from '../task/priority';
import type { Handler, TaskContext, TaskResult } from '../task/task';
import { checkOptions, optionsFromConfig } from './check-options';
import type { WorkerPoolOptions } from './options';
import type { PoolEngine } from './pool-engine';
import { eventMask, type PoolEvent, type PoolEventOf, type PoolEventType } from './pool-events';
import { TaskState } from './pool-task';
import { batchSettings } from '../task/batch-handler';
import { finiteMs, type TaskIntake } from './task-intake';
import { addInstrumentation, type PoolInstrumentation } from './instrumentation';
import { assemblePool, type PoolHost, type PoolParts } from './pool-assembly';
import type { ProcessOptions, TaskOptions } from './task-options';
import { DEFAULTS } from '../config/defaults';
import { KEY_LIMIT } from '../channel/keys-options';
import { checkNumber } from '../options/check-option';
import { describeValue } from '../options/describe-value';

const DEFAULT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * A concurrent worker pool: tasks go through a bounded four-level priority queue into a merge
 * whose concurrency can change while it runs; each attempt runs under a timeout and a retry
 * policy and gets an `AbortSignal`; every accepted task ends in exactly one {@link TaskResult}.
 *
 * ## Example
 * ```ts
 * import { WorkerPool } from 'rxjs-worker-pool';
 *
 * const pool = new WorkerPool({
 *   handler: async (url: string, { signal }) => (await fetch(url, { signal })).status,
 *   concurrency: 8,
 *   timeoutMs: 5_000,
 * });
 * console.log(await pool.submit('https://example.com', { priority: 'high' }));
 * await pool.shutdown();
 * // Output: 200
 * ```
 */
export class WorkerPool<I = unknown, O = unknown> {
  readonly #options: WorkerPoolOptions<I, O>;
  readonly #host: PoolHost = { rateLimited: false };
  readonly #parts: PoolParts<I, O>;
  // The two parts on the hot path (submit, size) get a field of their own.
  readonly #engine: PoolEngine<I, O>;
  readonly #intake: TaskIntake<I, O>;

  /** Every terminal result, hot: subscribe before submitting to see them all. */
  readonly results$: Observable<TaskResult<I, O>>;
  /** Every transition (`queued`, `started`, `retrying`, ...); costs nothing unobserved. */
  readonly events$: Observable<PoolEvent>;
  /** The concurrency limit in force (not lowered by `pause()`). */
  readonly concurrency$: Observable<number>;
  /** A snapshot every `metrics.intervalMs` on the pool's scheduler; completes at shutdown. */
  readonly metrics$: Observable<PoolMetrics>;

  /**
   * Builds a pool; bad options throw a `ConfigError` naming each option path, the value and
   * what was expected.
   */
  constructor(options: WorkerPoolOptions<I, O> = {}) {
    checkOptions(options);
    this.#options = options;
    const parts = assemblePool(options, this.#host);
    this.#parts = parts;
    this.#engine = parts.engine;
    this.#intake = parts.intake;
    this.results$ = parts.results$;
    this.events$ = parts.engine.events.asObservable();
    this.concurrency$ = parts.concurrency.concurrency$;
    this.metrics$ = parts.sampling.stream(parts.closed$);
    if (options.handleSignals) {
      const signals = options.handleSignals === true ? DEFAULT_SIGNALS : options.handleSignals;
      const timeoutMs = options.shutdown?.timeoutMs ?? DEFAULTS.shutdownTimeoutMs;
      this.#host.removeSignalHandlers = installSignalHandlers(
        this,
        signals,
        timeoutMs,
        parts.logger,
      );
    }
  }

  /**
   * Builds a pool from a `PoolConfig` (see `loadConfig`) and a handler.
   *
   * ## Example
   * ```ts
   * import { WorkerPool, loadConfig } from 'rxjs-worker-pool';
   * const pool = WorkerPool.fromConfig(loadConfig({ file: 'config/default.yaml' }), async (n: number) => n * 2);
   * ```
   */
  static fromConfig<I, O>(config: PoolConfig, handler?: Handler<I, O>): WorkerPool<I, O> {
    return new WorkerPool<I, O>(optionsFromConfig(config, handler));
  }

  /**
   * Runs the pool's handler on `input`; resolves with its value or rejects with the last
   * attempt's error (`QueueFullError` when refused, `PoolClosedError` after shutdown began).
   *
   * ## Example
   * ```ts
   * const size = await pool.submit('report.pdf', { priority: 'high', timeoutMs: 2_000 });
   * ```
   */
  submit(input: I, options?: TaskOptions<I>): Promise<O> {
    return this.#intake.enqueue(input, options, this.#options.handler);
  }

  /**
   * Runs `fn` as a task of the pool (its priority, limit, timeout and retries), instead of the
   * pool's handler.
   *
   * ## Example
   * ```ts
   * const rows = await pool.run(({ signal }) => db.query('select 1', { signal }), { priority: 'critical' });
   * ```
   */
  run<T>(fn: (ctx: TaskContext<void>) => Promise<T> | T, options?: TaskOptions<void>): Promise<T> {
    return (this as unknown as WorkerPool<void, T>).#intake.run(fn, options);
  }

  /**
   * Feeds every item of `source$` into the pool as a task and emits that stream's results.
   * Cold; completes after `source$` completes and all its tasks ended. Unsubscribing cancels
   * its queued tasks and aborts its running ones.
   *
   * ## Example
   * ```ts
   * import { from } from 'rxjs';
   * pool.process(from(urls), { priority: (url) => (url.endsWith('.pdf') ? 'low' : 'normal') })
   *   .subscribe((result) => console.log(result.task.input, result.status));
   * ```
   */
  process(source$: Observable<I>, options: ProcessOptions<I> = {}): Observable<TaskResult<I, O>> {
    return this.#intake.process(source$, options);
  }

  /**
   * The events of the given types only, hot like `events$`. The pool builds an event only
   * while someone takes its type: watching failures this way costs nothing per succeeding
   * task, where an `events$` subscriber that filters pays for three events a task.
   *
   * ## Example
   * ```ts
   * pool.eventsOf('failed', 'retrying').subscribe((event) => {
   *   console.log(event.type, event.taskId, event.error.message);
   * });
   * // Output: retrying 7 ECONNRESET
   * ```
   */
  eventsOf<T extends PoolEventType>(...types: T[]): Observable<PoolEventOf<T>> {
    return this.#engine.events.ofKinds(eventMask(types)) as Observable<PoolEventOf<T>>;
  }

  /**
   * Registers hooks called at acceptance, around each attempt, at each attempt's end and
   * retry, and at each terminal result (see {@link PoolInstrumentation}); returns the function
   * that removes them. `rxjs-worker-pool/tracing` stands on it.
   *
   * ## Example
   * ```ts
   * const stop = pool.instrument({ ended: (result) => audit.write(result.task.id, result.status) });
   * ```
   */
  instrument(instrumentation: PoolInstrumentation<I, O>): () => void {
    return addInstrumentation(this.#engine, instrumentation, this.#parts.logger);
  }

  /** Every terminal result as an async iterable (rxjs-for-await over `results$`). */
  results(): AsyncIterable<TaskResult<I, O>> {
    // Loaded on first use: importing the package stays light.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
    const { eachValueFrom } = require('rxjs-for-await') as typeof import('rxjs-for-await');
    return eachValueFrom(this.results$);
  }

  /** The current metrics snapshot, synchronously. */
  metrics(): PoolMetrics {
    return this.#parts.sampling.snapshot(false);
  }

  /** `'ok' | 'degraded' | 'unhealthy'` with reasons, for a service's health endpoint. */
  health(): HealthStatus {
    return evaluateHealth(
      {
        metrics: this.metrics(),
        queueCapacity: this.#engine.channel.capacity,
        breakerOpen: this.#parts.breaker?.state === 'open',
        shuttingDown: this.#parts.shutdown.closing,
      },
      {
        queueHighWater: this.#options.metrics?.queueHighWater,
        maxEventLoopDelayMs: this.#options.metrics?.maxEventLoopDelayMs,
      },
    );
  }

  /** Resolves when the queue has room for one more task: backpressure for producers. */
  whenCapacity(): Promise<void> {
    return this.#engine.channel.whenCapacity();
  }

  /**
   * Sets the limit by hand (an integer within min..max); pins it: an autoscaler stops
   * moving it until `resumeAutoscale()`.
   */
  setConcurrency(n: number): void {
    this.#parts.concurrency.set(n);
  }

  /**
   * Sets the limit of one key at run time: the most slots its running attempts hold (an
   * integer from 1, or `Infinity`); `undefined` returns it to its `keys.limits` entry, else to
   * `keys.concurrency`. Raising it starts its waiting tasks at once; lowering it lets its
   * running ones finish. The limit holds while the key is idle.
   *
   * ## Example
   * ```ts
   * pool.setKeyLimit('tenant-big', 16); // a paying customer gets more
   * pool.setKeyLimit('tenant-noisy', 1); // one that misbehaves gets less
   * pool.setKeyLimit('tenant-big', undefined); // back to the configured limit
   * ```
   */
  setKeyLimit(key: string, limit: number | undefined): void {
    if (typeof key !== 'string') {
      throw new TypeError(`Expected \`key\` to be a string, got ${describeValue(key)}`);
    }
    if (limit !== undefined) checkNumber(limit, 'limit', KEY_LIMIT);
    this.#engine.channel.setKeyLimit(key, limit);
    this.#engine.pump();
  }

  /** Lets the autoscaler move the limit again after `setConcurrency()`. */
  resumeAutoscale(): void {
    this.#parts.concurrency.resumeAutoscale();
  }

  /** Stops dispatching: running tasks go on, queued ones wait. */
  pause(): void {
    this.#parts.concurrency.pause();
  }

  /** Restarts dispatching. */
  resume(): void {
    this.#parts.concurrency.resume();
  }

  /** True while paused. */
  get isPaused(): boolean {
    return this.#parts.concurrency.isPaused;
  }

  /** Resolves when nothing is queued, waiting out a backoff, or running (at once if so). */
  onIdle(): Promise<void> {
    return this.#engine.onIdle();
  }

  /**
   * Waiting tasks: queued or waiting out a retry backoff (running ones are `pending`). O(1).
   *
   * ## Example
   * ```ts
   * if (pool.size > 1_000) await pool.onSizeLessThan(100); // backpressure, as with p-queue
   * ```
   */
  get size(): number {
    return this.#engine.size;
  }

  /** Attempts running now (each holding its weight in slots). O(1). */
  get pending(): number {
    return this.#engine.running.size;
  }

  /**
   * Cancels every waiting task (queued or in backoff; running ones go on): each ends
   * `cancelled` with a `TaskCancelledError` (reason `'cleared'`). Returns how many.
   *
   * ## Example
   * ```ts
   * const dropped = pool.clear();
   * console.log(`${dropped} waiting tasks cancelled, ${pool.pending} still running`);
   * ```
   */
  clear(): number {
    return this.#engine.cancelWhere(() => true, 'cleared', false).cancelled.length;
  }

  /**
   * Cancels the live task with this id: a waiting one ends at once, a running one is aborted
   * through its signal. Either way it ends `cancelled` with a `TaskCancelledError`. False when
   * no live task has the id. O(1) for caller ids; generated ids are looked up in O(n).
   *
   * ## Example
   * ```ts
   * void pool.submit(job, { id: 'report-42' });
   * pool.cancel('report-42'); // true
   * ```
   */
  cancel(id: string): boolean {
    const task = this.#intake.findLive(id);
    if (task === undefined) return false;
    this.#engine.cancel(task, 'caller');
    return true;
  }

  /**
   * Moves a queued task to the back of another priority level; its wait and aging still count
   * from its submission. False unless the task is queued (not running, not in backoff).
   *
   * ## Example
   * ```ts
   * void pool.submit(job, { id: 'thumb-7', priority: 'low' });
   * pool.setPriority('thumb-7', 'critical'); // the user opened it
   * ```
   */
  setPriority(id: string, priority: Priority | PriorityName): boolean {
    const level = toPriority(priority, 'priority');
    const task = this.#intake.findLive(id);
    return task !== undefined && this.#engine.setPriority(task, level);
  }

  /**
   * Where the live task with this id is: `'waiting'` (queued, or waiting out a retry backoff),
   * `'running'` (an attempt holds a slot), or `undefined` when no live task has the id.
   * O(1) for caller ids; generated ids are looked up in O(n).
   *
   * ## Example
   * ```ts
   * void pool.submit(job, { id: 'report-42' });
   * if (pool.taskState('report-42') === 'waiting') pool.cancel('report-42'); // not started yet
   * ```
   */
  taskState(id: string): 'waiting' | 'running' | undefined {
    const task = this.#intake.findLive(id);
    if (task === undefined) return undefined;
    return task.state === TaskState.Running ? 'running' : 'waiting';
  }

  /** Resolves when no task waits (`size` is 0; tasks may still run); at once if so. */
  onEmpty(): Promise<void> {
    return this.#engine.onSizeLessThan(1);
  }

  /**
   * Resolves when fewer than `limit` tasks wait; at once if so.
   *
   * ## Example
   * ```ts
   * for (const job of jobs) {
   *   await pool.onSizeLessThan(100); // keep at most ~100 queued
   *   void pool.submit(job);
   * }
   * ```
   */
  onSizeLessThan(limit: number): Promise<void> {
    return this.#engine.onSizeLessThan(limit);
  }

  /** True while the rate limit is reached and tasks wait for it (see `rateLimit`). */
  get isRateLimited(): boolean {
    return this.#host.rateLimited;
  }

  /**
   * Registers a callback that runs when shutdown begins, before the drain: for sources that
   * feed the pool (a queue consumer) to stop taking work. Called synchronously inside
   * `shutdown()`; at once if shutdown has already begun. Returns a function that removes it.
   *
   * ## Example
   * ```ts
   * const stop = pool.onShutdownStart(() => consumer.pause());
   * // later, when the consumer is closed for another reason:
   * stop();
   * ```
   */
  onShutdownStart(callback: () => void): () => void {
    return this.#parts.shutdown.onShutdownStart(callback);
  }

  /**
   * The drain deadline of `shutdown()` called without one (`shutdown.timeoutMs`), in ms;
   * `undefined` when none is set (the drain then waits for every task).
   */
  get shutdownTimeoutMs(): number | undefined {
    return finiteMs(this.#options.shutdown?.timeoutMs);
  }

  /**
   * With a `batchHandler`: the most weight units one call takes (its `maxSize`), so a feeder
   * can hold enough work to fill every slot's batch (`consumeBullMQ` fetches that much).
   * `undefined` for any other handler.
   *
   * ## Example
   * ```ts
   * import { WorkerPool, batchHandler } from 'rxjs-worker-pool';
   * const pool = new WorkerPool({ handler: batchHandler(insertRows, { maxSize: 500 }), concurrency: 4 });
   * console.log(pool.batchMaxSize); // 500: up to 4 × 500 rows in flight
   * ```
   */
  get batchMaxSize(): number | undefined {
    return batchSettings(this.#options.handler)?.maxSize;
  }

  /**
   * Registers a callback that shutdown runs after the drain, last registered first, each with
   * its own timeout (`shutdown.cleanupTimeoutMs`). It receives the drain's outcome, so it can
   * persist the inputs of tasks that never ran.
   *
   * ## Example
   * ```ts
   * pool.onShutdown(async ({ cancelled, aborted }) => {
   *   await db.saveForLater([...cancelled, ...aborted].map((task) => task.input));
   *   await db.close();
   * });
   * ```
   */
  onShutdown(cleanup: (report: DrainReport<I>) => void | Promise<void>): void {
    this.#parts.shutdown.onShutdown(cleanup);
  }

  /**
   * Stops accepting work, drains until the deadline, aborts what still runs, runs cleanup
   * callbacks, and reports what never ran. Calling it again returns the same promise
   * (`{ force: true }` or `{ timeoutMs: 0 }` then cuts the drain short).
   *
   * ## Example
   * ```ts
   * const report = await pool.shutdown({ timeoutMs: 10_000 });
   * await persist(report.cancelled.map((task) => task.input));
   * ```
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport<I>> {
    return this.#parts.shutdown.shutdown(options);
  }
}
