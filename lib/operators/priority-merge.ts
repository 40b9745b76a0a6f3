import {
  Observable,
  asyncScheduler,
  from,
  isObservable,
  of,
  type ObservableInput,
  type OperatorFunction,
  map,
  type SchedulerLike,
} from 'rxjs';
import { PriorityChannel, type QueueOptions } from '../channel/priority-channel';
import { KeyedChannel } from '../channel/keyed-channel';
import { checkKeysOptions, type KeysOptions } from '../channel/keys-options';
import type { Scheduler } from '../channel/scheduler';
import { checkKey, checkWeight } from '../task/placement';
import { QueueFullError } from '../errors/queue-full-error';
import { isLimit } from '../merge/is-limit';
import { LinkedObserver } from '../merge/linked-observer';
import { Priority, toPriority, type PriorityLike } from '../task/priority';
import { describeValue } from '../options/describe-value';
import { priorityMergeInternals } from '../merge/priority-merge-internals';

/**
 * Options of {@link priorityMerge}.
 *
 * ## Example
 * ```ts
 * import { BehaviorSubject } from 'rxjs';
 * import { priorityMerge, type PriorityMergeOptions } from 'rxjs-worker-pool';
 * const limit$ = new BehaviorSubject(4);
 * const options: PriorityMergeOptions<Job> = {
 *   concurrency: limit$,
 *   priority: (job) => (job.paid ? 'high' : 'low'),
 *   queue: { capacity: 1_000, agingMs: 30_000 },
 * };
 * jobs$.pipe(priorityMerge((job) => render(job), options)).subscribe(console.log);
 * limit$.next(8); // raise the limit while it runs
 * ```
 */
export interface PriorityMergeOptions<T> {
  /**
   * The limit of concurrent inner subscriptions: an integer from 1, `Infinity`, or a stream of
   * those (a bad value errors the stream). Defaults to `Infinity`, as in `mergeMap`.
   */
  concurrency?: number | Observable<number>;
  /** The priority of each value. Defaults to NORMAL for all (FIFO). */
  priority?: (value: T) => PriorityLike;
  /**
   * The fairness key of each value (a tenant, a host): within a priority, keys take turns, and
   * `keys` limits each one. Defaults to none (one FIFO).
   */
  key?: (value: T) => string | undefined;
  /**
   * The slots each value's inner holds while it runs (an integer from 1, at most a fixed
   * `concurrency`). Defaults to 1.
   */
  weight?: (value: T) => number;
  /** Per-key limits, as the pool's `keys` option (with `key`). */
  keys?: KeysOptions;
  /** The buffer of waiting values. Defaults to unbounded, no aging. */
  queue?: QueueOptions;
  /**
   * Called with a value refused by the full queue or evicted by `'drop-lowest'`.
   * Defaults to erroring the stream with a `QueueFullError`: nothing is dropped silently.
   */
  onOverflow?: (value: T, error: QueueFullError) => void;
  /** Scheduler of aging. Defaults to `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

interface MergeEntry<T> {
  readonly value: T;
  readonly index: number;
  readonly priority: Priority;
  queuedAt: number;
  removed?: boolean;
  readonly key: string | undefined;
  readonly weight: number | undefined;
}

/**
 * Like `mergeMap`, but waiting values are served highest priority first (FIFO within a
 * level, with optional aging) and the concurrency limit can change while it runs.
 *
 * Raising the limit subscribes to waiting values at once; lowering it lets running inner
 * subscriptions finish and starts no new one until below the limit.
 *
 * ## Example
 * ```ts
 * import { BehaviorSubject, from, delay, of } from 'rxjs';
 * import { priorityMerge } from 'rxjs-worker-pool';
 *
 * const limit$ = new BehaviorSubject(1);
 * from([{ n: 1, p: 'low' }, { n: 2, p: 'low' }, { n: 3, p: 'critical' }] as const)
 *   .pipe(priorityMerge((job) => of(job.n).pipe(delay(10)), { concurrency: limit$, priority: (job) => job.p }))
 *   .subscribe(console.log);
 * // Output:
 * // 1
 * // 3
 * // 2
 * ```
 *
 * @param project Maps each value to the inner work.
 * @param options Concurrency, priority and queue.
 * @return An operator emitting the inner values as they come.
 */
export function priorityMerge<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
  options: PriorityMergeOptions<T> = {},
): OperatorFunction<T, R> {
  const limit$ = toLimit$(options.concurrency ?? Infinity, 'concurrency');
  const priorityOf = options.priority;
  const keyOf = options.key;
  const weightOf = options.weight;
  const keyed = keyOf !== undefined || weightOf !== undefined || options.keys !== undefined;
  if (options.keys !== undefined) checkKeysOptions(options.keys);
  // A fixed limit is the ceiling a weight may not pass; a stream of limits has none.
  const ceiling = typeof options.concurrency === 'number' ? options.concurrency : Infinity;
  return (source) =>
    new Observable<R>((subscriber) => {
      const scheduler = options.scheduler ?? asyncScheduler;
      const channel: Scheduler<MergeEntry<T>> & { readonly capacity: number } = keyed
        ? new KeyedChannel<MergeEntry<T>>(options.queue, options.keys, scheduler)
        : new PriorityChannel<MergeEntry<T>>(options.queue, scheduler);
      let index = 0;
      const entries = new Observable<MergeEntry<T>>((entrySubscriber) =>
        source.subscribe(
          new LinkedObserver<T>(entrySubscriber, {
            next(value) {
              let priority: Priority = Priority.NORMAL;
              let key: string | undefined;
              let weight: number | undefined;
              // A throwing priority, key or weight function errors the stream, like a
              // throwing project; so does a value they give that is not one.
              try {
                if (priorityOf !== undefined) priority = toPriority(priorityOf(value));
                if (keyOf !== undefined) key = checkKey(keyOf(value), 'key');
                if (weightOf !== undefined)
                  weight = checkWeight(weightOf(value), 'weight', ceiling);
              } catch (error) {
                entrySubscriber.error(error);
                return;
              }
              entrySubscriber.next({ value, index: index++, priority, queuedAt: 0, key, weight });
            },
            error: (err: unknown) => entrySubscriber.error(err),
            complete: () => entrySubscriber.complete(),
          }),
        ),
      );
      priorityMergeInternals(entries, subscriber, {
        channel,
        limit$,
        scheduler,
        start(entry, out, done) {
          let inner: Observable<R>;
          try {
            inner = from(project(entry.value, entry.index));
          } catch (error) {
            out.error(error);
            done(entry);
            return;
          }
          // Linked to the downstream: an unsubscribe stops a synchronous inner mid-way. The
          // inner is finalized before `done` lets the next one be subscribed.
          inner.subscribe(
            new LinkedObserver<R>(
              out,
              {
                next: (value) => out.next(value),
                error: (err: unknown) => out.error(err),
                complete: () => done(entry),
              },
              true,
            ),
          );
        },
        overflow(entry, evicted, out) {
          const error = new QueueFullError(channel.capacity, String(entry.index), evicted);
          if (options.onOverflow) options.onOverflow(entry.value, error);
          else out.error(error);
        },
      });
    });
}

const LIMIT = 'an integer from 1, Infinity, or an Observable of those';

/** Turns a concurrency option into a stream of checked limits: a bad value errors the stream. */
function toLimit$(concurrency: number | Observable<number>, path: string): Observable<number> {
  if (isObservable(concurrency)) {
    return concurrency.pipe(
      map((limit) => {
        if (!isLimit(limit)) {
          throw new TypeError(`Expected \`${path}\` to be ${LIMIT}, got ${describeValue(limit)}`);
        }
        return limit;
      }),
    );
  }
  if (!isLimit(concurrency)) {
    throw new TypeError(`Expected \`${path}\` to be ${LIMIT}, got ${describeValue(concurrency)}`);
  }
  return of(concurrency);
}
