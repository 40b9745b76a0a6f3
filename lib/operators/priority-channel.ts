import {
  Observable,
  asyncScheduler,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { PriorityChannel, type QueueOptions } from '../channel/priority-channel';
import { QueueFullError } from '../errors/queue-full-error';
import { Priority, toPriority, type PriorityLike } from '../task/priority';

/**
 * Options of {@link priorityChannel}.
 *
 * ## Example
 * ```ts
 * import { BehaviorSubject } from 'rxjs';
 * import { priorityChannel, type PriorityChannelOptions } from 'rxjs-worker-pool';
 * const demand$ = new BehaviorSubject(4); // four at first, then one more per job done
 * const options: PriorityChannelOptions<Job> = {
 *   demand: demand$,
 *   priority: (job) => (job.paid ? 'high' : 'low'),
 *   capacity: 100,
 *   onOverflow: (job, error) => console.warn(`dropped ${job.id}: ${error.message}`),
 * };
 * jobs$.pipe(priorityChannel(options)).subscribe((job) => handleJob(job).then(() => demand$.next(1)));
 * ```
 */
export interface PriorityChannelOptions<T> extends QueueOptions {
  /** Each emission `n` asks for `n` more values. */
  demand: Observable<number>;
  /** The priority of each value. Defaults to NORMAL for all (FIFO). */
  priority?: (value: T) => PriorityLike;
  /** Called with a value refused by the full buffer or evicted by `'drop-lowest'`; defaults to erroring the stream. */
  onOverflow?: (value: T, error: QueueFullError) => void;
  /** Scheduler of aging. Defaults to `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

interface ChannelItem<T> {
  readonly value: T;
  readonly priority: Priority;
  queuedAt: number;
  removed?: boolean;
}

/**
 * Buffers source values in a bounded priority queue and emits them only on demand, highest
 * priority first: a pull-based bridge for a push-based source.
 *
 * It completes once the source has completed and the buffer is empty; source errors pass
 * through at once.
 *
 * ## Example
 * ```ts
 * import { Subject, from } from 'rxjs';
 * import { priorityChannel } from 'rxjs-worker-pool';
 *
 * const demand$ = new Subject<number>();
 * from([{ n: 1, p: 'low' }, { n: 2, p: 'high' }] as const)
 *   .pipe(priorityChannel({ demand: demand$, priority: (v) => v.p }))
 *   .subscribe((v) => console.log(v.n));
 * demand$.next(2);
 * // Output:
 * // 2
 * // 1
 * ```
 */
export function priorityChannel<T>(
  options: PriorityChannelOptions<T>,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const channel = new PriorityChannel<ChannelItem<T>>(
        { capacity: options.capacity, overflow: options.overflow, agingMs: options.agingMs },
        options.scheduler ?? asyncScheduler,
      );
      let credit = 0;
      let sourceDone = false;
      const flush = (): void => {
        while (credit > 0 && channel.size > 0) {
          credit--;
          subscriber.next((channel.poll() as ChannelItem<T>).value);
        }
        if (sourceDone && channel.size === 0) subscriber.complete();
      };
      const overflow = (value: T, evicted: boolean): void => {
        const error = new QueueFullError(channel.capacity, undefined, evicted);
        if (options.onOverflow) options.onOverflow(value, error);
        else subscriber.error(error);
      };
      const demandSubscription = options.demand.subscribe({
        next(n) {
          credit += n;
          flush();
        },
        error: (err: unknown) => subscriber.error(err),
      });
      const sourceSubscription = source.subscribe({
        next(value) {
          const priority = options.priority ? toPriority(options.priority(value)) : Priority.NORMAL;
          const offered = channel.offer({ value, priority, queuedAt: 0 });
          if (!offered.accepted) overflow(value, false);
          else if (offered.evicted) overflow(offered.evicted.value, true);
          flush();
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          sourceDone = true;
          flush();
        },
      });
      return () => {
        demandSubscription.unsubscribe();
        sourceSubscription.unsubscribe();
      };
    });
}
