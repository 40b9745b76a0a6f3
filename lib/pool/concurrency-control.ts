import {
  BehaviorSubject,
  combineLatest,
  distinctUntilChanged,
  map,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Logger } from 'pino';
import { isLimit } from '../merge/is-limit';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import { describeValue } from '../options/describe-value';
import type { CircuitState } from '../resilience/circuit-breaker';
import { Scaler } from '../scaling/scaler';
import type { UsageSource } from '../scaling/usage-source';
import type { TaskResult } from '../task/task';
import type { ConcurrencyCeiling, ResolvedConcurrency } from './check-options';
import type { PoolEngine } from './pool-engine';
import { EVENT_KIND } from './pool-events';

/** What {@link ConcurrencyControl} needs from the pool. */
export interface ConcurrencyConfig<I, O> {
  resolved: ResolvedConcurrency;
  /** The handler's own limit (threads), which every limit is clamped to. */
  ceiling: ConcurrencyCeiling | undefined;
  engine: PoolEngine<I, O>;
  metrics: MetricsRecorder;
  logger: Logger;
  scheduler: SchedulerLike;
  /** The breaker's state, when the pool has one: an open breaker stops dispatch. */
  breakerState$: Observable<CircuitState> | undefined;
  /** The autoscaler's usage source, asked for only when autoscaling is on. */
  usage: () => UsageSource;
  results$: Observable<TaskResult<I, O>>;
}

/**
 * Concurrency control: the limit in force and every source of it (the `concurrency` option,
 * an Observable of limits, `setConcurrency()`, the autoscaler), clamped to the range and the
 * handler's ceiling; pausing; and the merge's effective limit (0 while paused or while the
 * breaker is open).
 */
export class ConcurrencyControl<I, O> {
  readonly limit$: BehaviorSubject<number>;
  readonly concurrency$: Observable<number>;
  readonly #paused$ = new BehaviorSubject(false);
  readonly #subscriptions: Subscription[] = [];
  readonly #scaler: Scaler | undefined;
  readonly #min: number;
  readonly #max: number;
  #previousLimit: number | undefined;

  constructor(private readonly config: ConcurrencyConfig<I, O>) {
    const { min, max, initial, source$, autoscale } = config.resolved;
    const { engine } = config;
    this.#min = min;
    this.#max = max;
    this.limit$ = new BehaviorSubject(initial);
    this.concurrency$ = this.limit$.pipe(distinctUntilChanged());
    const breakerState$ = config.breakerState$ ?? new BehaviorSubject<CircuitState>('closed');
    this.#subscriptions.push(
      combineLatest([this.limit$, this.#paused$, breakerState$])
        .pipe(map(([limit, paused, state]) => (paused || state === 'open' ? 0 : limit)))
        .subscribe((limit) => engine.dispatchLimit$.next(limit)),
      this.concurrency$.subscribe((limit) => this.#onLimitChange(limit)),
    );
    if (source$) this.#subscriptions.push(this.#follow(source$));
    if (autoscale) {
      this.#scaler = new Scaler(autoscale, {
        scheduler: config.scheduler,
        usage: config.usage(),
        limit$: this.limit$,
        min,
        max,
        logger: config.logger,
        signals: () => ({
          active: engine.active,
          queued: engine.channel.size + engine.backoff.size,
        }),
        results$: config.results$,
      });
      this.#scaler.start();
    }
  }

  get limit(): number {
    return this.limit$.value;
  }

  get isPaused(): boolean {
    return this.#paused$.value;
  }

  /** `setConcurrency()`: a caller's limit also pins the autoscaler. */
  set(limit: number): void {
    this.apply(limit, 'concurrency');
    this.#scaler?.pin();
  }

  resumeAutoscale(): void {
    this.#scaler?.resume();
  }

  pause(): void {
    this.#paused$.next(true);
  }

  resume(): void {
    this.#paused$.next(false);
  }

  /** Shutdown: the autoscaler stops changing the limit. */
  stopScaling(): void {
    this.#scaler?.stop();
  }

  apply(limit: number, path: string): void {
    if (!(isLimit(limit) && limit >= this.#min && limit <= this.#max)) {
      const range =
        this.#max === Infinity
          ? `from ${this.#min}, or Infinity`
          : `from ${this.#min} to ${this.#max}`;
      throw new RangeError(
        `Expected \`${path}\` to be an integer ${range}, got ${describeValue(limit)}`,
      );
    }
    this.limit$.next(limit);
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.limit$.complete();
  }

  /** Limits from the caller's Observable, which arrive long after construction. */
  #follow(source$: Observable<number>): Subscription {
    const { ceiling, logger } = this.config;
    return source$.subscribe({
      next: (limit) => {
        // Throwing here would surface as an uncaught error, so a bad value is logged and the
        // limit in force is kept.
        try {
          if (ceiling && typeof limit === 'number' && limit > ceiling.max) {
            logger.warn(
              { concurrency: limit, [ceiling.name]: ceiling.max },
              `concurrency value above the handler's ${ceiling.name}: clamped`,
            );
            limit = ceiling.max;
          }
          this.apply(limit, 'concurrency');
        } catch (error) {
          logger.error({ err: error, concurrency: limit }, 'concurrency value ignored');
        }
      },
      error: (error: unknown) => logger.error({ err: error }, 'concurrency stream failed'),
    });
  }

  #onLimitChange(limit: number): void {
    const previous = this.#previousLimit;
    this.#previousLimit = limit;
    if (previous === undefined) return;
    const { metrics, logger, engine } = this.config;
    metrics.concurrencyChanges++;
    // debug: an autoscaler may change it every tick (it logs its own reasons).
    logger.debug({ concurrency: limit, previous }, 'concurrency changed');
    const kind = EVENT_KIND['concurrency-changed'];
    if (engine.events.wants(kind)) {
      engine.events.next({ type: 'concurrency-changed', concurrency: limit, previous }, kind);
    }
  }
}
