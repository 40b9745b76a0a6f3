import { Observable } from 'rxjs';
import { DuplicateTaskIdError } from '../errors/duplicate-task-id-error';
import { PoolClosedError } from '../errors/pool-closed-error';
import { LinkedObserver } from '../merge/linked-observer';
import { checkDuration } from '../options/check-option';
import { describeValue } from '../options/describe-value';
import type { RetryOptions } from '../retry/retry-options';
import { DEFAULT_RETRY, resolveRetry } from '../retry/retry-policy';
import { Priority, toPriority } from '../task/priority';
import type { Handler, TaskContext, TaskResult } from '../task/task';
import { checkKey, checkWeight, toPlacement, type Placement } from '../task/placement';
import { PROCESS_OPTION_KEYS, TASK_OPTION_KEYS, checkTaskOptionKeys } from './check-options';
import type { PoolEngine } from './pool-engine';
import { PoolTask, StreamGroup, type TaskSettings } from './pool-task';
import type { ProcessOptions, TaskOptions } from './task-options';

/**
 * Task intake: turns a `submit()`, `run()` or an item of a `process()` source into a
 * {@link PoolTask} with its id and per-call settings, and hands it to the engine. It owns the
 * id counter and the `process()` stream groups.
 */
export class TaskIntake<I, O> {
  /** The highest generated id so far (ids above it were never made). */
  #nextId = 0;
  readonly #groups = new Set<StreamGroup<I, O>>();
  /** Set when shutdown begins: from then on every new task is refused. */
  closing = false;

  constructor(
    private readonly engine: PoolEngine<I, O>,
    /** The pool's settings, shared by every task that brings none of its own. */
    readonly defaults: TaskSettings<I, O>,
    private readonly poolRetry: Partial<RetryOptions> | undefined,
    /** The most slots the limit can offer a task, and the option that says so. */
    private readonly weightCeiling: () => { max: number; name: string },
  ) {}

  /** The live task with this id, caller-given or generated. */
  findLive(id: string): PoolTask<I, O> | undefined {
    return this.engine.live.find(String(id), this.#nextId);
  }

  /** A task of `submit()` or `run()`; the promise settles with its result. */
  enqueue(input: I, options: TaskOptions<I> | undefined, handler: Handler<I, O> | undefined) {
    if (this.closing) return Promise.reject(new PoolClosedError(options?.id));
    let task: PoolTask<I, O>;
    try {
      if (options !== undefined) checkTaskOptionKeys(options, TASK_OPTION_KEYS);
      // Tasks without options share the pool's settings object: no per-task copy.
      const settings =
        handler === this.defaults.handler &&
        (options === undefined ||
          (options.timeoutMs === undefined &&
            options.retry === undefined &&
            options.signal === undefined))
          ? this.defaults
          : this.#settings(options ?? {}, handler);
      const priority =
        options?.priority === undefined
          ? Priority.NORMAL
          : toPriority(options.priority, 'priority');
      const placement =
        options === undefined || (options.key === undefined && options.weight === undefined)
          ? undefined
          : toPlacement(checkKey(options.key, 'key'), this.#weight(options.weight));
      task = this.#newTask(input, options?.id, priority, settings, placement);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = newTaskPromise(task);
    this.engine.accept(task);
    return promise;
  }

  /** `run(fn)`: `fn` as the task's handler, the pool's settings otherwise. */
  run(
    fn: (ctx: TaskContext<I>) => Promise<O> | O,
    options: TaskOptions<I> | undefined,
  ): Promise<O> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`Expected \`fn\` of run() to be a function, got ${describeValue(fn)}`),
      );
    }
    return this.enqueue(undefined as I, options, (_input, ctx) => fn(ctx));
  }

  /** `process()`: every item of `source$` as a task of one stream group. */
  process(source$: Observable<I>, options: ProcessOptions<I>): Observable<TaskResult<I, O>> {
    checkTaskOptionKeys(options, PROCESS_OPTION_KEYS);
    const { priority, key, weight, ...taskOptions } = options;
    // A function of the input is asked per item; a value is checked once, here.
    const keyOf = typeof key === 'function' ? key : undefined;
    const weightOf = typeof weight === 'function' ? weight : undefined;
    const fixedKey = keyOf === undefined ? checkKey(key, 'key') : undefined;
    const fixedWeight = weightOf === undefined ? this.#weight(weight) : undefined;
    const shared = this.#settings(taskOptions, this.defaults.handler);
    const priorityOf = typeof priority === 'function' ? priority : undefined;
    const fixedPriority =
      typeof priority === 'function' ? Priority.NORMAL : toPriority(priority, 'priority');
    return new Observable<TaskResult<I, O>>((subscriber) => {
      if (this.closing) {
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
        this.engine.cancelWhere((task) => task.group === group, 'unsubscribed');
      });
      const sourceObserver = new LinkedObserver<I>(subscriber, {
        next: (input) => {
          if (this.closing) return;
          let task: PoolTask<I, O>;
          try {
            const level = priorityOf ? toPriority(priorityOf(input), 'priority') : fixedPriority;
            const placement = toPlacement(
              keyOf === undefined ? fixedKey : checkKey(keyOf(input), 'key'),
              weightOf === undefined ? fixedWeight : this.#weight(weightOf(input)),
            );
            task = this.#newTask(input, undefined, level, settings, placement);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          this.engine.accept(task);
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
   * Shutdown: every `process()` source is let go (its stream completes once the tasks it
   * already gave have ended).
   */
  releaseSources(): void {
    for (const group of this.#groups) {
      group.sourceSubscription?.unsubscribe();
      group.sourceDone = true;
      group.completeIfDone();
    }
  }

  #newTask(
    input: I,
    id: string | undefined,
    priority: Priority,
    settings: TaskSettings<I, O>,
    placement?: Placement,
  ): PoolTask<I, O> {
    if (id !== undefined) {
      if (typeof id !== 'string' || id === '') {
        throw new TypeError(`Expected \`id\` to be a non-empty string, got ${describeValue(id)}`);
      }
      if (this.findLive(id) !== undefined) throw new DuplicateTaskIdError(id);
      return new PoolTask<I, O>(id, input, priority, this.engine.now(), settings, placement);
    }
    let serial = ++this.#nextId;
    // A generated id never takes one a caller is using (checked only while caller ids are
    // live: the id string is otherwise made only when someone reads it).
    if (this.engine.live.hasCallerIds) {
      while (this.engine.live.hasCallerId(String(serial))) serial = ++this.#nextId;
    }
    return new PoolTask<I, O>(serial, input, priority, this.engine.now(), settings, placement);
  }

  /** A weight, checked against the pool's ceiling (asked only when there is one to check). */
  #weight(weight: unknown): number | undefined {
    if (weight === undefined) return undefined;
    const ceiling = this.weightCeiling();
    return checkWeight(weight, 'weight', ceiling.max, ceiling.name);
  }

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
      ...this.defaults,
      handler,
      timeoutMs: timeoutMs === undefined ? this.defaults.timeoutMs : finiteMs(timeoutMs),
      retry: retry
        ? resolveRetry(DEFAULT_RETRY, { ...this.poolRetry, ...retry })
        : this.defaults.retry,
      signal,
    };
  }
}

/** Infinity means "no limit" in options; a timer of Infinity ms would fire after 1 ms. */
export function finiteMs(ms: number | undefined): number | undefined {
  return ms === Infinity ? undefined : ms;
}

// The task's promise: its resolvers are bound without a closure per task (a module-level
// slot holds the task while the executor runs synchronously).
let promisedTask: PoolTask<never, never> | undefined;
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
