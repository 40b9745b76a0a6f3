import { getHeapStatistics } from 'node:v8';
import {
  BehaviorSubject,
  Observable,
  ReplaySubject,
  Subject,
  asyncScheduler,
  EMPTY,
  combineLatest,
  defer,
  finalize,
  distinctUntilChanged,
  firstValueFrom,
  from,
  interval,
  map,
  race,
  share,
  takeUntil,
  timer,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Logger } from 'pino';
import { checkDuration } from '../options/check-option';
import { PoolClosedError } from '../errors/pool-closed-error';
import { DuplicateTaskIdError } from '../errors/duplicate-task-id-error';
import type { PoolConfig } from '../config/schema';
import { createLogger } from '../logging/logger';
import { MetricsRecorder } from '../metrics/metrics-recorder';
import type { PoolMetrics } from '../metrics/pool-metrics';
import { SystemSampler } from '../metrics/system-sampler';
import { evaluateHealth, type HealthStatus } from '../metrics/health';
import { CircuitBreaker, type CircuitState } from '../resilience/circuit-breaker';
import { TokenBucket } from '../resilience/token-bucket';
import { DEFAULT_RETRY, resolveRetry } from '../retry/retry-policy';
import {
  PidusageSource,
  ZERO_USAGE,
  type ProcessUsage,
  type UsageSource,
} from '../scaling/usage-source';
import { runCleanups, type Cleanup } from '../shutdown/run-cleanups';
import { installSignalHandlers } from '../shutdown/signal-handlers';
import { handlerLifecycle, type HandlerLifecycle } from './handler-lifecycle';
import type { DrainReport, ShutdownOptions, ShutdownReport } from '../shutdown/shutdown-report';
import { Priority, toPriority, type PriorityName } from '../task/priority';
import { describeValue } from '../options/describe-value';
import type { Handler, TaskContext, TaskResult } from '../task/task';
import type { ProcessOptions, TaskOptions } from './task-options';
import type { WorkerPoolOptions } from './options';
import { LinkedObserver } from '../merge/linked-observer';
import { isLimit } from '../merge/is-limit';
import { PoolEngine } from './pool-engine';
import { dispatchGate } from './dispatch-gate';
import {
  PROCESS_OPTION_KEYS,
  TASK_OPTION_KEYS,
  checkOptions,
  checkTaskOptionKeys,
  resolveConcurrency,
} from './check-options';
import { EVENT_KIND, type PoolEvent, type PoolEventOf, type PoolEventType } from './pool-events';
import { PoolTask, StreamGroup, TaskState, type TaskSettings } from './pool-task';
import { Scaler } from '../scaling/scaler';

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
  readonly #engine: PoolEngine<I, O>;
  readonly #scheduler: SchedulerLike;
  readonly #logger: Logger;
  readonly #metrics: MetricsRecorder;
  readonly #limit$: BehaviorSubject<number>;
  readonly #paused$ = new BehaviorSubject(false);
  readonly #closed$ = new Subject<void>();
  readonly #min: number;
  readonly #max: number;
  readonly #defaults: TaskSettings<I, O>;
  readonly #options: WorkerPoolOptions<I, O>;
  readonly #cleanups: Cleanup<I>[] = [];
  readonly #subscriptions: Subscription[] = [];
  readonly #groups = new Set<StreamGroup<I, O>>();
  readonly #breaker: CircuitBreaker | undefined;
  #sampler: SystemSampler | undefined;
  #usageSource: UsageSource | undefined;
  readonly #givenUsageSource: UsageSource | undefined;
  readonly #scaler: Scaler | undefined;
  #nextId = 0;
  #closing = false;
  #rateLimited = false;
  #cleanupsStarted = false;
  #tornDown = false;
  #shutdown: Promise<ShutdownReport<I>> | undefined;
  #forceCut: (() => void) | undefined;
  /** Emits (and replays) once a shutdown is forced: cleanups are then not waited for. */
  readonly #forced = new ReplaySubject<void>(1);
  #removeSignalHandlers: (() => void) | undefined;
  readonly #lifecycle: HandlerLifecycle | undefined;
  readonly #shutdownStartCallbacks = new Set<() => void>();

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
    const scheduler = (this.#scheduler = options.scheduler ?? asyncScheduler);
    this.#logger = options.logger ?? createLogger(options.logging);
    const epoch = scheduler.now();
    this.#metrics = new MetricsRecorder({ startedAt: epoch });
    this.#defaults = {
      handler: options.handler,
      timeoutMs: finite(options.timeoutMs),
      retry: resolveRetry(DEFAULT_RETRY, options.retry),
      signal: undefined,
      epoch,
      group: undefined,
      logger: this.#logger,
    };

    // A handler that owns threads (or another executor) caps every limit the pool can reach.
    const lifecycle = (this.#lifecycle = handlerLifecycle(options.handler));
    const ceiling =
      lifecycle?.maxConcurrency !== undefined
        ? {
            max: lifecycle.maxConcurrency,
            name: lifecycle.maxConcurrencyName ?? 'maxConcurrency',
          }
        : undefined;
    const { min, max, initial, source$, autoscale } = resolveConcurrency(
      options.concurrency,
      ceiling,
    );
    this.#min = min;
    this.#max = max;
    this.#limit$ = new BehaviorSubject(initial);

    const bucket = options.rateLimit
      ? new TokenBucket(options.rateLimit, scheduler, 'rateLimit')
      : undefined;
    const breaker = (this.#breaker = options.circuitBreaker
      ? new CircuitBreaker(options.circuitBreaker, scheduler)
      : undefined);
    this.#engine = new PoolEngine<I, O>({
      queue: options.queue ?? {},
      epoch,
      abortGraceMs: options.abortGraceMs ?? 1000,
      scheduler,
      logger: this.#logger,
      metrics: this.#metrics,
      gate: dispatchGate(bucket, breaker, (limited) => this.#onRateLimit(limited)),
      breaker,
    });

    this.results$ = this.#engine.results.asObservable();
    this.events$ = this.#engine.events.asObservable();
    this.concurrency$ = this.#limit$.pipe(distinctUntilChanged());

    // The merge's limit: the limit in force, 0 while paused or while the breaker is open
    // (tasks stay queued; the breaker's half-open transition resumes dispatch).
    const breakerState$: Observable<CircuitState> = breaker
      ? breaker.state$
      : new BehaviorSubject('closed');
    this.#subscriptions.push(
      combineLatest([this.#limit$, this.#paused$, breakerState$])
        .pipe(map(([limit, paused, state]) => (paused || state === 'open' ? 0 : limit)))
        .subscribe((limit) => this.#engine.dispatchLimit$.next(limit)),
      this.concurrency$.subscribe((limit) => this.#onLimitChange(limit)),
    );
    if (source$) {
      this.#subscriptions.push(
        source$.subscribe({
          next: (limit) => {
            // A bad value arrives long after construction: throwing here would surface as an
            // uncaught error, so it is logged and the limit in force is kept.
            try {
              if (ceiling && typeof limit === 'number' && limit > ceiling.max) {
                this.#logger.warn(
                  { concurrency: limit, [ceiling.name]: ceiling.max },
                  `concurrency value above the handler's ${ceiling.name}: clamped`,
                );
                limit = ceiling.max;
              }
              this.#applyLimit(limit, 'concurrency');
            } catch (error) {
              this.#logger.error({ err: error, concurrency: limit }, 'concurrency value ignored');
            }
          },
          error: (error: unknown) =>
            this.#logger.error({ err: error }, 'concurrency stream failed'),
        }),
      );
    }

    this.#givenUsageSource = options.metrics?.usageSource ?? autoscale?.usageSource;
    const intervalMs = options.metrics?.intervalMs ?? 1000;
    // Process sampling (a pidusage call per tick) runs only while someone watches metrics$.
    this.metrics$ = defer(() => {
      // Subscribed after shutdown: complete at once rather than start a timer nobody stops.
      if (this.#tornDown) return EMPTY;
      this.#systemSampler(intervalMs).start();
      return interval(intervalMs, scheduler).pipe(
        map(() => this.#snapshot(true)),
        finalize(() => this.#sampler?.stop()),
      );
    }).pipe(takeUntil(this.#closed$), share());
    if (autoscale) {
      this.#scaler = new Scaler(autoscale, {
        scheduler,
        usage: this.#usage(),
        limit$: this.#limit$,
        min,
        max,
        logger: this.#logger,
        signals: () => ({
          active: this.#engine.active,
          queued: this.#engine.channel.size + this.#engine.backoff.size,
        }),
        results$: this.results$,
      });
      this.#scaler.start();
    }

    lifecycle?.attach?.({ logger: this.#logger });

    if (options.handleSignals) {
      const signals = options.handleSignals === true ? DEFAULT_SIGNALS : options.handleSignals;
      this.#removeSignalHandlers = installSignalHandlers(
        this,
        signals,
        options.shutdown?.timeoutMs ?? 30_000,
        this.#logger,
      );
    }
    this.#logger.info(
      {
        concurrency: initial,
        min,
        max: Number.isFinite(max) ? max : null,
        autoscale: Boolean(autoscale),
      },
      'worker pool started',
    );
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
    const { handleSignals, shutdown, ...rest } = config as PoolConfig & {
      handleSignals?: boolean;
      shutdown?: { timeoutMs?: number; cleanupTimeoutMs?: number; handleSignals?: boolean };
    };
    const { handleSignals: shutdownSignals, ...shutdownRest } = shutdown ?? {};
    const options = {
      ...rest,
      ...(shutdown ? { shutdown: shutdownRest } : {}),
      handleSignals: Boolean(handleSignals ?? shutdownSignals ?? false),
      handler,
    } as WorkerPoolOptions<I, O>;
    return new WorkerPool<I, O>(options);
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
    return this.#enqueue(input, options, this.#options.handler);
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
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`Expected \`fn\` of run() to be a function, got ${describeValue(fn)}`),
      );
    }
    const handler: Handler<void, T> = (_input, ctx) => fn(ctx);
    return (this as unknown as WorkerPool<void, T>).#enqueue(undefined, options, handler);
  }

  #enqueue(
    input: I,
    options: TaskOptions<I> | undefined,
    handler: Handler<I, O> | undefined,
  ): Promise<O> {
    if (this.#closing) return Promise.reject(new PoolClosedError(options?.id));
    let task: PoolTask<I, O>;
    try {
      if (options !== undefined) checkTaskOptionKeys(options, TASK_OPTION_KEYS);
      // Tasks without options share the pool's settings object: no per-task copy.
      const settings =
        handler === this.#options.handler &&
        (options === undefined ||
          (options.timeoutMs === undefined &&
            options.retry === undefined &&
            options.signal === undefined))
          ? this.#defaults
          : this.#settings(options ?? {}, handler);
      const priority =
        options?.priority === undefined
          ? Priority.NORMAL
          : toPriority(options.priority, 'priority');
      task = this.#newTask(input, options?.id, priority, settings);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = newTaskPromise(task);
    this.#engine.accept(task);
    return promise;
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
    checkTaskOptionKeys(options, PROCESS_OPTION_KEYS);
    const { priority, ...taskOptions } = options;
    const shared = this.#settings(taskOptions, this.#options.handler);
    const priorityOf = typeof priority === 'function' ? priority : undefined;
    const fixedPriority =
      typeof priority === 'function' ? Priority.NORMAL : toPriority(priority, 'priority');
    return new Observable<TaskResult<I, O>>((subscriber) => {
      if (this.#closing) {
        subscriber.error(new PoolClosedError());
        return;
      }
      const group = new StreamGroup<I, O>(subscriber);
      // One settings object per subscription carries its group: no per-task field for it.
      const settings: TaskSettings<I, O> = { ...shared, group };
      this.#groups.add(group);
      // Registered before the source is subscribed, and the source's observer is linked to
      // the subscriber: a downstream that unsubscribes while a synchronous source is still
      // emitting (take(1) over range(0, 1e5)) stops it at once.
      subscriber.add(() => {
        this.#groups.delete(group);
        group.sourceSubscription?.unsubscribe();
        if (group.closed) return;
        group.closed = true;
        this.#cancelGroup(group);
      });
      const sourceObserver = new LinkedObserver<I>(subscriber, {
        next: (input) => {
          if (this.#closing) return;
          let task: PoolTask<I, O>;
          try {
            const level = priorityOf ? toPriority(priorityOf(input), 'priority') : fixedPriority;
            task = this.#newTask(input, undefined, level, settings);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          this.#engine.accept(task);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          group.sourceDone = true;
          group.completeIfDone();
        },
      });
      group.sourceSubscription = sourceObserver;
      source$.subscribe(sourceObserver);
    });
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
    if (types.length === 0) {
      throw new TypeError('Expected `eventsOf()` to be given at least one event type');
    }
    let mask = 0;
    for (const type of types) {
      const kind = Object.hasOwn(EVENT_KIND, type) ? EVENT_KIND[type] : undefined;
      if (kind === undefined) {
        throw new TypeError(
          `Expected an event type of \`eventsOf()\` to be one of ${Object.keys(EVENT_KIND).join(', ')}, got ${describeValue(type)}`,
        );
      }
      mask |= kind;
    }
    return this.#engine.events.ofKinds(mask) as Observable<PoolEventOf<T>>;
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
    return this.#snapshot(false);
  }

  /** `'ok' | 'degraded' | 'unhealthy'` with reasons, for a service's health endpoint. */
  health(): HealthStatus {
    return evaluateHealth(
      {
        metrics: this.metrics(),
        queueCapacity: this.#engine.channel.capacity,
        breakerOpen: this.#breaker?.state === 'open',
        shuttingDown: this.#closing,
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
    this.#applyLimit(n, 'concurrency');
    this.#scaler?.pin();
  }

  /** Lets the autoscaler move the limit again after `setConcurrency()`. */
  resumeAutoscale(): void {
    this.#scaler?.resume();
  }

  /** Stops dispatching: running tasks go on, queued ones wait. */
  pause(): void {
    this.#paused$.next(true);
  }

  /** Restarts dispatching. */
  resume(): void {
    this.#paused$.next(false);
  }

  /** True while paused. */
  get isPaused(): boolean {
    return this.#paused$.value;
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

  /** Attempts running now (holding a slot). O(1). */
  get pending(): number {
    return this.#engine.active;
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
    const task = this.#engine.findLive(String(id), this.#nextId);
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
    const task = this.#engine.findLive(String(id), this.#nextId);
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
    const task = this.#engine.findLive(String(id), this.#nextId);
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
    if (typeof limit !== 'number' || Number.isNaN(limit)) {
      return Promise.reject(
        new TypeError(`Expected \`limit\` to be a number, got ${describeValue(limit)}`),
      );
    }
    return this.#engine.onSizeLessThan(limit);
  }

  /** True while the rate limit is reached and tasks wait for it (see `rateLimit`). */
  get isRateLimited(): boolean {
    return this.#rateLimited;
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
    if (typeof callback !== 'function') {
      throw new TypeError(`Expected \`callback\` to be a function, got ${describeValue(callback)}`);
    }
    if (this.#closing) {
      callback();
      return () => {};
    }
    this.#shutdownStartCallbacks.add(callback);
    return () => void this.#shutdownStartCallbacks.delete(callback);
  }

  /**
   * The drain deadline of `shutdown()` called without one (`shutdown.timeoutMs`), in ms;
   * `undefined` when none is set (the drain then waits for every task).
   */
  get shutdownTimeoutMs(): number | undefined {
    return finite(this.#options.shutdown?.timeoutMs);
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
    if (typeof cleanup !== 'function') {
      throw new TypeError(`Expected \`cleanup\` to be a function, got ${describeValue(cleanup)}`);
    }
    // Registered while draining, it still runs; once cleanups have started it never would.
    if (this.#cleanupsStarted) {
      throw new PoolClosedError(
        undefined,
        'its cleanups have already run: onShutdown() is too late',
      );
    }
    this.#cleanups.push(cleanup);
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
    try {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(
          `Expected \`options\` of shutdown() to be an object, got ${describeValue(options)}`,
        );
      }
      if (options.timeoutMs !== undefined) {
        checkDuration(options.timeoutMs, 'timeoutMs', { infinite: true });
      }
    } catch (error) {
      // A promise-returning method reports bad arguments through its promise.
      return Promise.reject(error);
    }
    if (this.#shutdown) {
      if (options.force || options.timeoutMs === 0) this.#forceCut?.();
      if (options.force) this.#forced.next();
      return this.#shutdown;
    }
    if (options.force) this.#forced.next();
    this.#shutdown = this.#runShutdown(options);
    return this.#shutdown;
  }

  async #runShutdown(options: ShutdownOptions): Promise<ShutdownReport<I>> {
    const scheduler = this.#scheduler;
    const startedAt = scheduler.now();
    // Infinity means no deadline (a timer of Infinity ms would fire after 1 ms in Node).
    const timeoutMs = options.force
      ? 0
      : finite(options.timeoutMs ?? this.#options.shutdown?.timeoutMs);
    this.#closing = true;
    this.#logger.info(
      { timeoutMs, queued: this.#engine.channel.size, active: this.#engine.active },
      'shutting down',
    );
    for (const callback of [...this.#shutdownStartCallbacks]) {
      try {
        callback();
      } catch (error) {
        this.#logger.error({ err: error }, 'an onShutdownStart callback threw');
      }
    }
    this.#shutdownStartCallbacks.clear();
    this.#scaler?.stop();
    // Producers waiting for room go on (and get PoolClosedError from submit()).
    this.#engine.releaseWaiters();
    // Stop taking items from process() sources: the intake completes behind them.
    for (const group of this.#groups) {
      group.sourceSubscription?.unsubscribe();
      group.sourceDone = true;
      group.completeIfDone();
    }
    this.#engine.close();

    let cut: { cancelled: PoolTask<I, O>[]; aborted: PoolTask<I, O>[] } | undefined;
    const cutOff = (): void => {
      cut ??= this.#engine.cutOffAll();
    };
    this.#forceCut = cutOff;
    if (timeoutMs === 0) {
      cutOff();
    }
    // A paused pool must still drain; after a cut-off there is nothing left to start.
    this.#paused$.next(false);
    if (timeoutMs !== undefined && timeoutMs > 0) {
      const drained$ = from(this.#engine.drained).pipe(map(() => 'drained' as const));
      const deadline$ = timer(timeoutMs, scheduler).pipe(map(() => 'deadline' as const));
      const first = await firstValueFrom(race(drained$, deadline$));
      if (first === 'deadline') cutOff();
    }
    await this.#engine.drained;

    const cancelled = (cut?.cancelled ?? []).map((task) => task.toJSON());
    const aborted = (cut?.aborted ?? []).map((task) => task.toJSON());
    const m = this.#metrics;
    const drained: DrainReport<I> = {
      completed: m.succeeded + m.failed,
      cancelled,
      aborted,
      rejected: m.rejected,
      withdrawn: m.cancelled - cancelled.length - aborted.length,
      timedOut: cancelled.length + aborted.length > 0,
    };
    // The handler's threads (or other resources) stop once nothing can run on them.
    await this.#closeHandler();
    this.#cleanupsStarted = true;
    // Cleanups see what never ran, so one can persist it (the only way to reach the report
    // when a signal started the shutdown and the process exits after it).
    const cleanup = await runCleanups(
      this.#cleanups,
      drained,
      this.#options.shutdown?.cleanupTimeoutMs ?? 5000,
      scheduler,
      this.#logger,
      this.#forced,
    );
    this.#teardown();
    const report: ShutdownReport<I> = {
      ...drained,
      durationMs: scheduler.now() - startedAt,
      cleanup,
    };
    this.#logger.info(
      {
        durationMs: report.durationMs,
        completed: report.completed,
        cancelled: cancelled.length,
        aborted: aborted.length,
      },
      'shut down',
    );
    return report;
  }

  async #closeHandler(): Promise<void> {
    try {
      await this.#lifecycle?.close?.();
    } catch (error) {
      this.#logger.error({ err: error }, 'closing the handler failed');
    }
  }

  #teardown(): void {
    this.#tornDown = true;
    this.#closed$.next();
    this.#closed$.complete();
    this.#engine.dispose();
    this.#engine.releaseWaiters();
    this.#metrics.close();
    this.#breaker?.dispose();
    this.#sampler?.stop();
    // Only a source the pool made is the pool's to close.
    if (this.#usageSource !== this.#givenUsageSource) {
      (this.#usageSource as { close?: () => void } | undefined)?.close?.();
    }
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#removeSignalHandlers?.();
    this.#engine.results.complete();
    this.#engine.events.complete();
    this.#limit$.complete();
  }

  #newTask(
    input: I,
    id: string | undefined,
    priority: Priority,
    settings: TaskSettings<I, O>,
  ): PoolTask<I, O> {
    if (id !== undefined) {
      if (typeof id !== 'string' || id === '') {
        throw new TypeError(`Expected \`id\` to be a non-empty string, got ${describeValue(id)}`);
      }
      if (this.#engine.findLive(id, this.#nextId) !== undefined) throw new DuplicateTaskIdError(id);
      return new PoolTask<I, O>(id, input, priority, this.#engine.now(), settings);
    }
    let serial = ++this.#nextId;
    // A generated id never takes one a caller is using (checked only while caller ids are
    // live: the id string is otherwise made only when someone reads it).
    if (this.#engine.hasCallerIds) {
      while (this.#engine.hasCallerId(String(serial))) serial = ++this.#nextId;
    }
    return new PoolTask<I, O>(serial, input, priority, this.#engine.now(), settings);
  }

  /** Per-call settings; checked here so a bad option rejects that call only. */
  #settings(
    options: Omit<TaskOptions<I>, 'id' | 'priority'>,
    handler: Handler<I, O> | undefined,
  ): TaskSettings<I, O> {
    const { timeoutMs, retry, signal } = options;
    if (timeoutMs !== undefined) {
      checkDuration(timeoutMs, 'timeoutMs', { exclusiveMin: true, infinite: true });
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
    }
    return {
      ...this.#defaults,
      handler,
      timeoutMs: timeoutMs === undefined ? this.#defaults.timeoutMs : finite(timeoutMs),
      retry: retry
        ? resolveRetry(DEFAULT_RETRY, { ...this.#options.retry, ...retry })
        : this.#defaults.retry,
      signal,
    };
  }

  #cancelGroup(group: StreamGroup<I, O>): void {
    this.#engine.cancelWhere((task) => task.group === group, 'unsubscribed');
  }

  #applyLimit(limit: number, path: string): void {
    if (!(isLimit(limit) && limit >= this.#min && limit <= this.#max)) {
      const range =
        this.#max === Infinity
          ? `from ${this.#min}, or Infinity`
          : `from ${this.#min} to ${this.#max}`;
      throw new RangeError(
        `Expected \`${path}\` to be an integer ${range}, got ${describeValue(limit)}`,
      );
    }
    this.#limit$.next(limit);
  }

  #onRateLimit(limited: boolean): void {
    this.#rateLimited = limited;
    const type = limited ? 'rate-limited' : 'rate-limit-cleared';
    const kind = EVENT_KIND[type];
    if (this.#engine.events.wants(kind)) this.#engine.events.next({ type }, kind);
  }

  #previousLimit: number | undefined;
  #onLimitChange(limit: number): void {
    const previous = this.#previousLimit;
    this.#previousLimit = limit;
    if (previous === undefined) return;
    this.#metrics.concurrencyChanges++;
    // debug: an autoscaler may change it every tick (it logs its own reasons).
    this.#logger.debug({ concurrency: limit, previous }, 'concurrency changed');
    const kind = EVENT_KIND['concurrency-changed'];
    if (this.#engine.events.wants(kind)) {
      this.#engine.events.next({ type: 'concurrency-changed', concurrency: limit, previous }, kind);
    }
  }

  /** The usage source, made on first use: a PidusageSource starts an event-loop monitor. */
  #usage(): UsageSource {
    this.#usageSource ??= this.#givenUsageSource ?? new PidusageSource();
    return this.#usageSource;
  }

  #systemSampler(intervalMs: number): SystemSampler {
    this.#sampler ??= new SystemSampler(this.#usage(), intervalMs, this.#scheduler, {
      diskPath: this.#options.metrics?.diskPath,
    });
    return this.#sampler;
  }

  /**
   * CPU and loop delay from the latest sample; the heap read now (~0.25 µs); the RSS at most
   * {@link RSS_MAX_AGE_MS} old: reading it parses /proc (~8 µs), which made `metrics()` cost
   * ~10 µs when read on every call.
   */
  #systemUsage(): ProcessUsage {
    const latest = this.#sampler?.latest ?? ZERO_USAGE;
    return { ...latest, rssBytes: freshRss(), heapUsedBytes: getHeapStatistics().used_heap_size };
  }

  #snapshot(advance: boolean): PoolMetrics {
    const snapshot = this.#metrics.snapshot(
      {
        active: this.#engine.active,
        abandoned: this.#engine.abandonedRunning,
        queuedByPriority: this.#engine.queuedByPriority(),
        concurrency: this.#limit$.value,
        system: this.#systemUsage(),
      },
      this.#scheduler.now(),
      { advance },
    );
    const threads = this.#lifecycle?.threadMetrics?.();
    if (threads !== undefined) snapshot.threads = threads;
    return snapshot;
  }
}

/** How stale `metrics().system.rssBytes` may be, in ms of real time. */
const RSS_MAX_AGE_MS = 100;
let rssReading = { bytes: 0, at: -Infinity };
/** The process RSS, re-read when the last reading is older than RSS_MAX_AGE_MS. */
function freshRss(): number {
  const now = performance.now();
  if (now - rssReading.at >= RSS_MAX_AGE_MS)
    rssReading = { bytes: process.memoryUsage.rss(), at: now };
  return rssReading.bytes;
}

/** `Infinity` as "none": Node runs a timer of Infinity ms after 1 ms. */
function finite(ms: number | undefined): number | undefined {
  return ms === Infinity ? undefined : ms;
}

/** The task whose promise is being made; the executor runs synchronously inside `new Promise`. */
let promisedTask: PoolTask<never, never> | undefined;
/**
 * One executor for every task: a closure per task would cost an allocation each. It keeps
 * `resolve` only (see {@link PoolTask.resolve}); the unused `reject` is garbage at once.
 */
const bindResolvers = (resolve: (value: unknown) => void): void => {
  (promisedTask as PoolTask<never, never>).resolve = resolve;
};

function newTaskPromise<I, O>(task: PoolTask<I, O>): Promise<O> {
  promisedTask = task as unknown as PoolTask<never, never>;
  try {
    return new Promise<O>(bindResolvers as (resolve: (value: O) => void) => void);
  } finally {
    promisedTask = undefined;
  }
}
