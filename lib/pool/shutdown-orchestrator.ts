import { ReplaySubject, firstValueFrom, from, map, race, timer, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import { PoolClosedError } from '../errors/pool-closed-error';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import { checkDuration } from '../options/check-option';
import { describeValue } from '../options/describe-value';
import { runCleanups, type Cleanup } from '../shutdown/run-cleanups';
import type { DrainReport, ShutdownOptions, ShutdownReport } from '../shutdown/shutdown-report';
import type { PoolEngine } from './pool-engine';
import type { PoolTask } from './pool-task';
import { finiteMs } from './task-intake';
import { DEFAULTS } from '../config/defaults';

/** The pool's parts that shutdown drives, in the order it drives them. */
export interface ShutdownSteps<I, O> {
  engine: PoolEngine<I, O>;
  metrics: MetricsRecorder;
  scheduler: SchedulerLike;
  logger: Logger;
  /** The pool's `shutdown.timeoutMs` and `shutdown.cleanupTimeoutMs`. */
  timeoutMs: number | undefined;
  cleanupTimeoutMs: number | undefined;
  /** From now on every new task is refused. */
  refuseTasks(): void;
  /** `process()` sources are let go, waiting producers released, the autoscaler stopped. */
  stopIntake(): void;
  /** A paused pool must still drain. */
  unpause(): void;
  /** The handler's threads (or other resources) stop once nothing can run on them. */
  closeHandler(): Promise<void>;
  /** Every stream completes and every timer and subscription of the pool ends. */
  teardown(): void;
}

/**
 * Shutdown orchestration: stop intake, drain to the deadline, cut off what is left (queued
 * tasks cancelled, running ones aborted), close the handler, run the cleanups with the report
 * of what never ran, tear down. A second call joins the first; `force` cuts at once.
 */
export class ShutdownOrchestrator<I, O> {
  #shutdown: Promise<ShutdownReport<I>> | undefined;
  #forceCut: (() => void) | undefined;
  /** Emits when a forced shutdown is asked for: cleanups still waited for are abandoned. */
  readonly #forced = new ReplaySubject<void>(1);
  readonly #startCallbacks = new Set<() => void>();
  readonly #cleanups: Cleanup<I>[] = [];
  #closing = false;
  #cleanupsStarted = false;

  constructor(private readonly steps: ShutdownSteps<I, O>) {}

  get closing(): boolean {
    return this.#closing;
  }

  onShutdownStart(callback: () => void): () => void {
    if (typeof callback !== 'function') {
      throw new TypeError(`Expected \`callback\` to be a function, got ${describeValue(callback)}`);
    }
    if (this.#closing) {
      callback();
      return () => {};
    }
    this.#startCallbacks.add(callback);
    return () => void this.#startCallbacks.delete(callback);
  }

  onShutdown(cleanup: Cleanup<I>): void {
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

  shutdown(options: ShutdownOptions): Promise<ShutdownReport<I>> {
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
    this.#shutdown = this.#run(options);
    return this.#shutdown;
  }

  async #run(options: ShutdownOptions): Promise<ShutdownReport<I>> {
    const { engine, scheduler, logger } = this.steps;
    const startedAt = scheduler.now();
    // Infinity means no deadline (a timer of Infinity ms would fire after 1 ms in Node).
    const timeoutMs = options.force ? 0 : finiteMs(options.timeoutMs ?? this.steps.timeoutMs);
    this.#closing = true;
    this.steps.refuseTasks();
    logger.info({ timeoutMs, queued: engine.channel.size, active: engine.active }, 'shutting down');
    for (const callback of [...this.#startCallbacks]) {
      try {
        callback();
      } catch (error) {
        logger.error({ err: error }, 'an onShutdownStart callback threw');
      }
    }
    this.#startCallbacks.clear();
    this.steps.stopIntake();

    let cut: { cancelled: PoolTask<I, O>[]; aborted: PoolTask<I, O>[] } | undefined;
    const cutOff = (): void => {
      cut ??= engine.cutOffAll();
    };
    this.#forceCut = cutOff;
    if (timeoutMs === 0) cutOff();
    // After a cut-off there is nothing left to start.
    this.steps.unpause();
    if (timeoutMs !== undefined && timeoutMs > 0) {
      const drained$ = from(engine.drained).pipe(map(() => 'drained' as const));
      const deadline$ = timer(timeoutMs, scheduler).pipe(map(() => 'deadline' as const));
      const first = await firstValueFrom(race(drained$, deadline$));
      if (first === 'deadline') cutOff();
    }
    await engine.drained;

    const drained = this.#drainReport(cut);
    await this.steps.closeHandler();
    this.#cleanupsStarted = true;
    // Cleanups see what never ran, so one can persist it (the only way to reach the report
    // when a signal started the shutdown and the process exits after it).
    const cleanup = await runCleanups(
      this.#cleanups,
      drained,
      this.steps.cleanupTimeoutMs ?? DEFAULTS.cleanupTimeoutMs,
      scheduler,
      logger,
      this.#forced,
    );
    this.steps.teardown();
    const report: ShutdownReport<I> = {
      ...drained,
      durationMs: scheduler.now() - startedAt,
      cleanup,
    };
    logger.info(
      {
        durationMs: report.durationMs,
        completed: report.completed,
        cancelled: report.cancelled.length,
        aborted: report.aborted.length,
      },
      'shut down',
    );
    return report;
  }

  #drainReport(
    cut: { cancelled: PoolTask<I, O>[]; aborted: PoolTask<I, O>[] } | undefined,
  ): DrainReport<I> {
    const cancelled = (cut?.cancelled ?? []).map((task) => task.toJSON());
    const aborted = (cut?.aborted ?? []).map((task) => task.toJSON());
    const m = this.steps.metrics;
    return {
      completed: m.succeeded + m.failed,
      cancelled,
      aborted,
      rejected: m.rejected,
      withdrawn: m.cancelled - cancelled.length - aborted.length,
      timedOut: cancelled.length + aborted.length > 0,
    };
  }
}
