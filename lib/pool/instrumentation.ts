import type { Logger } from 'pino';
import { describeValue } from '../options/describe-value';
import type { Task, TaskResult } from '../task/task';

/**
 * How an attempt ended, as {@link PoolInstrumentation.attemptEnded} is told.
 *
 * ## Example
 * ```ts
 * import type { AttemptOutcome } from 'rxjs-worker-pool';
 * const counts = new Map<AttemptOutcome, number>();
 * pool.instrument({
 *   attemptEnded: (_task, _attempt, outcome) => counts.set(outcome, (counts.get(outcome) ?? 0) + 1),
 * });
 * ```
 */
export type AttemptOutcome = 'succeeded' | 'failed' | 'timed-out' | 'cancelled';

/**
 * Hooks into the life of every task of a pool: what `rxjs-worker-pool/tracing` stands on, and
 * what your own instrumentation (spans, logs, audit trails) can use. Every method is optional
 * and called synchronously, at the moment it names:
 * - `accepted` in the caller's own synchronous context: inside `submit()` / `run()`, or where
 *   `process()` received the item, so a context the caller has active can be captured;
 * - `attempt` around each attempt: it gets `run`, which starts the handler, and must call it
 *   exactly once, synchronously (inside `context.with(...)`, say), returning what it returns;
 * - `attemptEnded` when an attempt's slot is freed, with how it ended;
 * - with a `batchHandler`: `batchAttempt` around each batch call (as `attempt`, with the
 *   call's items) and `batchEnded` when it is over; each item's attempt still ends with
 *   `attemptEnded`, but `attempt` is not called for it;
 * - `retrying` when a retry is scheduled, `delayMs` away;
 * - `ended` with the task's one terminal result.
 *
 * A hook that throws is logged and the pool goes on (except in `attempt`, where a throw fails
 * the attempt as a handler's would). A pool with no instrumentation pays nothing for it.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type PoolInstrumentation } from 'rxjs-worker-pool';
 * const started = new Map<string, number>();
 * const timing: PoolInstrumentation = {
 *   accepted: (task) => started.set(task.id, performance.now()),
 *   ended: (result) => {
 *     console.log(result.task.id, result.status, performance.now() - (started.get(result.task.id) ?? 0));
 *     started.delete(result.task.id);
 *   },
 * };
 * const stop = pool.instrument(timing);
 * await pool.submit('job');
 * stop(); // the hooks are no longer called
 * ```
 */
export interface PoolInstrumentation<I = unknown, O = unknown> {
  /** A task was accepted; it will end in exactly one `ended` call. */
  accepted?(task: Task<I>): void;
  /** Around one attempt: call `run()` once, synchronously, and return its value. */
  attempt?<R>(task: Task<I>, attempt: number, run: () => R): R;
  /**
   * Around one batch call of a `batchHandler`: call `run()` once, synchronously, and return its
   * value. `items` are the call's tasks with their attempt numbers, in input order.
   */
  batchAttempt?<R>(items: readonly BatchItem<I>[], run: () => R): R;
  /**
   * A batch call is over (its slot is free): `error` is why the call as a whole failed (a
   * `BatchError`, its timeout, the abort) and undefined when it returned its results.
   */
  batchEnded?(items: readonly BatchItem<I>[], error?: Error): void;
  /** An attempt ended (its slot is free); `error` is the attempt's error unless it succeeded. */
  attemptEnded?(task: Task<I>, attempt: number, outcome: AttemptOutcome, error?: Error): void;
  /** A retry of the task is scheduled, after the attempt that failed with `error`. */
  retrying?(task: Task<I>, attempt: number, delayMs: number, error: Error): void;
  /** The task's one terminal result. */
  ended?(result: TaskResult<I, O>): void;
  /**
   * The W3C `traceparent` of the attempt in progress, which the handler reads as
   * `ctx.traceparent` (asked only when it does). The first instrumentation that answers wins.
   */
  traceparent?(task: Task<I>, attempt: number): string | undefined;
}

/**
 * The instrumentations registered on a pool, called in registration order (an `attempt`
 * wrapper registered first is the outermost). The engine holds one only while any is
 * registered, so an uninstrumented pool checks a single field per step.
 */
/**
 * One item of a batch call, as the batch hooks of {@link PoolInstrumentation} receive it.
 *
 * ## Example
 * ```ts
 * import type { BatchItem } from 'rxjs-worker-pool';
 * const ids = (items: readonly BatchItem<Row>[]) => items.map(({ task, attempt }) => `${task.id}#${attempt}`);
 * ```
 */
export interface BatchItem<I> {
  readonly task: Task<I>;
  /** 1 for the item's first attempt. */
  readonly attempt: number;
}

export class Instruments<I, O> {
  readonly #list: readonly PoolInstrumentation<I, O>[];

  constructor(
    list: readonly PoolInstrumentation<I, O>[],
    private readonly logger: Logger,
  ) {
    this.#list = [...list];
  }

  get list(): readonly PoolInstrumentation<I, O>[] {
    return this.#list;
  }

  // Each hook is called in its own try/catch, with no closure made per call: these run for
  // every task of an instrumented pool.

  accepted(task: Task<I>): void {
    for (const one of this.#list) {
      if (one.accepted === undefined) continue;
      try {
        one.accepted(task);
      } catch (error) {
        this.#threw('accepted', error);
      }
    }
  }

  /** Runs `run` inside every `attempt` wrapper; a wrapper's throw fails the attempt. */
  runAttempt<R>(task: Task<I>, attempt: number, run: () => R): R {
    return this.#wrapFrom(0, task, attempt, run);
  }

  /** `run` inside the `attempt` wrappers from index `i` on, the first outermost. */
  #wrapFrom<R>(i: number, task: Task<I>, attempt: number, run: () => R): R {
    const list = this.#list;
    while (i < list.length && list[i].attempt === undefined) i++;
    if (i === list.length) return run();
    const one = list[i];
    let calls = 0;
    const result = (one.attempt as NonNullable<PoolInstrumentation<I, O>['attempt']>).call<
      PoolInstrumentation<I, O>,
      [Task<I>, number, () => R],
      R
    >(one, task, attempt, () => {
      calls++;
      return this.#wrapFrom(i + 1, task, attempt, run);
    });
    if (calls !== 1) {
      throw new TypeError(
        `Expected an instrumentation's attempt() to call run() once, synchronously; it called it ${calls} times`,
      );
    }
    return result;
  }

  /** Runs `run` inside every `batchAttempt` wrapper, the first outermost. */
  runBatch<R>(items: readonly BatchItem<I>[], run: () => R): R {
    let wrapped = run;
    for (let i = this.#list.length - 1; i >= 0; i--) {
      const one = this.#list[i];
      const hook = one.batchAttempt;
      if (hook === undefined) continue;
      const inner = wrapped;
      wrapped = () => {
        let calls = 0;
        const result = hook.call(one, items, () => {
          calls++;
          return inner();
        }) as R;
        if (calls !== 1) {
          throw new TypeError(
            `Expected an instrumentation's batchAttempt() to call run() once, synchronously; it called it ${calls} times`,
          );
        }
        return result;
      };
    }
    return wrapped();
  }

  batchEnded(items: readonly BatchItem<I>[], error?: Error): void {
    for (const one of this.#list) {
      if (one.batchEnded === undefined) continue;
      try {
        one.batchEnded(items, error);
      } catch (thrown) {
        this.#threw('batchEnded', thrown);
      }
    }
  }

  attemptEnded(task: Task<I>, attempt: number, outcome: AttemptOutcome, error?: Error): void {
    for (const one of this.#list) {
      if (one.attemptEnded === undefined) continue;
      try {
        one.attemptEnded(task, attempt, outcome, error);
      } catch (thrown) {
        this.#threw('attemptEnded', thrown);
      }
    }
  }

  retrying(task: Task<I>, attempt: number, delayMs: number, error: Error): void {
    for (const one of this.#list) {
      if (one.retrying === undefined) continue;
      try {
        one.retrying(task, attempt, delayMs, error);
      } catch (thrown) {
        this.#threw('retrying', thrown);
      }
    }
  }

  ended(result: TaskResult<I, O>): void {
    for (const one of this.#list) {
      if (one.ended === undefined) continue;
      try {
        one.ended(result);
      } catch (error) {
        this.#threw('ended', error);
      }
    }
  }

  traceparent(task: Task<I>, attempt: number): string | undefined {
    for (const one of this.#list) {
      if (one.traceparent === undefined) continue;
      try {
        const header = one.traceparent(task, attempt);
        if (header !== undefined) return header;
      } catch (error) {
        this.#threw('traceparent', error);
      }
    }
    return undefined;
  }

  #threw(hook: string, error: unknown): void {
    this.logger.error({ err: error, hook }, 'an instrumentation hook threw; the pool goes on');
  }
}

/**
 * Registers `instrumentation` on the engine (`instruments` is replaced, not mutated, so a
 * call in progress finishes with the set it started with); returns its removal.
 */
export function addInstrumentation<I, O>(
  engine: { instruments: Instruments<I, O> | undefined },
  instrumentation: PoolInstrumentation<I, O>,
  logger: Logger,
): () => void {
  if (instrumentation === null || typeof instrumentation !== 'object') {
    throw new TypeError(
      `Expected \`instrumentation\` to be an object of hooks, got ${describeValue(instrumentation)}`,
    );
  }
  const current = engine.instruments?.list ?? [];
  engine.instruments = new Instruments([...current, instrumentation], logger);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const rest = (engine.instruments?.list ?? []).filter((one) => one !== instrumentation);
    engine.instruments = rest.length > 0 ? new Instruments(rest, logger) : undefined;
  };
}
