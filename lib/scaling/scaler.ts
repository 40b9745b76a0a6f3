import {
  EMPTY,
  Subscription,
  catchError,
  defer,
  exhaustMap,
  from,
  interval,
  map,
  of,
  type BehaviorSubject,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { Logger } from 'pino';
import { TaskTimeoutError } from '../errors/task-timeout-error';
import { checkDuration } from '../options/check-option';
import type { TaskResult } from '../task/task';
import type { AutoscaleOptions } from './autoscale-options';
import { policyFrom } from './policy-from';
import type { ScalingDecision, ScalingPolicy, ScalingSignals } from './scaling-policy';
import type { ProcessUsage, UsageSource } from './usage-source';

/** What the scaler reads from and writes to the pool. */
export interface ScalerHost {
  scheduler: SchedulerLike;
  usage: UsageSource;
  /** The pool's limit: the scaler reads it and emits new limits into it. */
  limit$: BehaviorSubject<number>;
  min: number;
  max: number;
  logger: Logger;
  /** Live pool state at a tick. */
  signals(): { active: number; queued: number };
  /** Every terminal result, to measure run latency, errors and timeouts. */
  results$: Observable<TaskResult<unknown, unknown>>;
}

/** Attempts that ended since the previous tick. */
interface Window {
  completed: number;
  failed: number;
  timeouts: number;
  runMs: number;
}

const emptyWindow = (): Window => ({ completed: 0, failed: 0, timeouts: 0, runMs: 0 });

/**
 * Moves a pool's concurrency limit: every `intervalMs` on the host's scheduler it samples the
 * usage source, sums up the attempts that ended since the previous tick, asks each policy for
 * a limit (the lowest wins), clamps it to min..max and, outside the cooldown and unless pinned,
 * emits it into `host.limit$` when it differs from the limit in force.
 *
 * A sample still pending when the next tick comes makes the scaler skip that tick (the ended
 * attempts carry over to the next decision). A failed sample is logged and skipped. Attempts are
 * counted from terminal results, so the attempts of a retried task are seen when the task ends;
 * cancelled and rejected tasks are ignored.
 *
 * The pool builds one from `concurrency: { autoscale }`; build one yourself only to drive a
 * `BehaviorSubject` limit of your own.
 *
 * ## Example
 * ```ts
 * import { BehaviorSubject, asyncScheduler, EMPTY } from 'rxjs';
 * import pino from 'pino';
 * import { ScriptedUsageSource } from 'rxjs-worker-pool';
 * import { Scaler } from './scaler'; // internal: lib/scaling/
 *
 * const limit$ = new BehaviorSubject(1);
 * const scaler = new Scaler(
 *   { policy: 'resource', intervalMs: 500 },
 *   {
 *     scheduler: asyncScheduler,
 *     usage: new ScriptedUsageSource([{ cpuPercent: 20 }]),
 *     limit$,
 *     min: 1,
 *     max: 8,
 *     logger: pino({ level: 'silent' }),
 *     signals: () => ({ active: limit$.value, queued: 100 }),
 *     results$: EMPTY,
 *   },
 * );
 * limit$.subscribe((limit) => console.log(limit));
 * scaler.start(); // one step up every 500 ms until 8
 * // Output:
 * // 1
 * // 2
 * // 3
 * ```
 */
export class Scaler {
  /** The policies asked at each tick, in order. */
  readonly policies: readonly ScalingPolicy[];
  readonly #host: ScalerHost;
  readonly #intervalMs: number;
  readonly #cooldownMs: number;
  #subscription: Subscription | undefined;
  #window = emptyWindow();
  #pinned = false;
  #changes = 0;
  /** Nominal time (start + ticks × interval) of the last change: cooldowns ignore timer jitter. */
  #lastChangeAt = -Infinity;

  /**
   * @param options The `autoscale` options; bad values throw a `TypeError` naming the option.
   * @param host The pool side: scheduler, usage source, limit subject, bounds, logger, live state.
   */
  constructor(options: AutoscaleOptions, host: ScalerHost) {
    this.#intervalMs =
      options.intervalMs === undefined
        ? 1000
        : checkDuration(options.intervalMs, 'autoscale.intervalMs', { exclusiveMin: true });
    this.#cooldownMs =
      options.cooldownMs === undefined
        ? this.#intervalMs
        : checkDuration(options.cooldownMs, 'autoscale.cooldownMs');
    this.policies = policyFrom(options.policy, options);
    this.#host = host;
  }

  /** How many times the scaler changed the limit. */
  get changes(): number {
    return this.#changes;
  }

  /** True between `pin()` and `resume()`: the scaler observes but changes nothing. */
  get pinned(): boolean {
    return this.#pinned;
  }

  /** Starts ticking (and counting ended attempts); a second call does nothing. */
  start(): void {
    if (this.#subscription) return;
    const { scheduler, results$ } = this.#host;
    const startedAt = scheduler.now();
    this.#window = emptyWindow();
    const subscription = new Subscription();
    subscription.add(results$.subscribe((result) => this.#record(result)));
    subscription.add(
      interval(this.#intervalMs, scheduler)
        .pipe(
          // exhaustMap: while a sample is pending, later ticks are dropped, not queued.
          exhaustMap((tick) => this.#sample().pipe(map((usage) => ({ tick, usage })))),
        )
        .subscribe(({ tick, usage }) =>
          this.#decide(startedAt + (tick + 1) * this.#intervalMs, usage),
        ),
    );
    this.#subscription = subscription;
  }

  /** Stops ticking and observing; `start()` may start it again. */
  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  /** Keeps the limit where it is (the pool calls it on `setConcurrency()`); policies still observe. */
  pin(): void {
    this.#pinned = true;
  }

  /** Lets the scaler change the limit again after `pin()`. */
  resume(): void {
    this.#pinned = false;
  }

  #sample(): Observable<ProcessUsage> {
    const { usage, logger } = this.#host;
    return defer(() => {
      // A source may answer synchronously (against its type): then the tick decides at once.
      const reading: PromiseLike<ProcessUsage> | ProcessUsage = usage.sample();
      return isPromiseLike(reading) ? from(reading) : of(reading as ProcessUsage);
    }).pipe(
      catchError((error: unknown) => {
        logger.warn({ err: error }, 'autoscale: usage sample failed, tick skipped');
        return EMPTY;
      }),
    );
  }

  #record(result: TaskResult<unknown, unknown>): void {
    // Cancellations and refusals say nothing about the downstream.
    if (result.status === 'cancelled' || result.status === 'rejected' || result.attempts === 0)
      return;
    const errors =
      result.errors ?? (result.status === 'failed' && result.error ? [result.error] : []);
    const window = this.#window;
    window.completed += result.attempts;
    window.failed += Math.min(errors.length, result.attempts);
    window.timeouts += errors.filter((error) => error instanceof TaskTimeoutError).length;
    window.runMs += result.runMs;
  }

  #decide(nominalNow: number, usage: ProcessUsage): void {
    const host = this.#host;
    const window = this.#window;
    this.#window = emptyWindow();
    const limit = host.limit$.value;
    const { active, queued } = host.signals();
    const signals: ScalingSignals = {
      limit,
      min: host.min,
      max: host.max,
      active,
      queued,
      usage,
      completed: window.completed,
      failed: window.failed,
      timeouts: window.timeouts,
      meanRunMs: window.completed > 0 ? window.runMs / window.completed : NaN,
      now: host.scheduler.now(),
    };

    // Every policy sees every tick (even while pinned), so stateful ones keep learning.
    let chosen: { decision: ScalingDecision; policy: ScalingPolicy } | undefined;
    for (const policy of this.policies) {
      let decision: ScalingDecision;
      try {
        decision = policy.next(signals);
      } catch (error) {
        host.logger.error({ err: error, policy: policy.name }, 'autoscale: policy failed, ignored');
        continue;
      }
      if (!Number.isFinite(decision.limit)) continue;
      if (!chosen || decision.limit < chosen.decision.limit) chosen = { decision, policy };
    }
    if (!chosen || this.#pinned) return;

    const next = Math.min(host.max, Math.max(host.min, Math.round(chosen.decision.limit)));
    if (next === limit || nominalNow - this.#lastChangeAt < this.#cooldownMs) return;
    this.#lastChangeAt = nominalNow;
    this.#changes++;
    host.logger.debug(
      {
        concurrency: next,
        previous: limit,
        reason: chosen.decision.reason,
        policy: chosen.policy.name,
      },
      'autoscale',
    );
    host.limit$.next(next);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<ProcessUsage> {
  return typeof (value as Partial<PromiseLike<unknown>> | null)?.then === 'function';
}
