import {
  asyncScheduler,
  Observable,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { TokenBucket, type RateLimitOptions } from '../resilience/token-bucket';

/**
 * Re-emits the source's values in order, at most `limit` of them in any `intervalMs` window:
 * values within the limit pass at once, the excess is buffered and let out as soon as the
 * window allows (a {@link TokenBucket} on the scheduler's clock).
 *
 * Completion waits until the buffer has drained; an error is passed on at once, dropping what
 * is buffered (as `delay` does); unsubscribing drops the buffer and cancels the pending timer.
 *
 * ## Example
 * ```ts
 * import { interval, take } from 'rxjs';
 * import { rateLimit } from 'rxjs-worker-pool';
 * interval(10)
 *   .pipe(take(5), rateLimit({ limit: 2, intervalMs: 1000 }))
 *   .subscribe((n) => console.log(n));
 * // Output:
 * // 0, 1     (at 10 ms and 20 ms)
 * // 2, 3     (at 1010 ms and 1020 ms)
 * // 4        (at 2010 ms)
 * ```
 *
 * @param options `limit` values per `intervalMs`; bad values throw a `TypeError` at once.
 * @param scheduler Clock and timers. Defaults to `asyncScheduler`.
 * @return An operator that spaces the source's values out.
 */
export function rateLimit<T>(
  options: RateLimitOptions,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  // Validate when the operator is built, not on first subscription.
  new TokenBucket(options, scheduler, '');
  return (source) =>
    new Observable<T>((subscriber) => {
      // One bucket per subscription: each subscriber gets its own rate.
      const bucket = new TokenBucket(options, scheduler, '');
      const buffer: T[] = [];
      let sourceDone = false;
      let draining = false;
      let pending: Subscription | undefined;

      const drain = (): void => {
        // A value emitted below may make the source emit again synchronously: it joins the
        // buffer and this loop lets it out in order.
        if (draining) return;
        draining = true;
        while (buffer.length > 0 && bucket.tryTake()) subscriber.next(buffer.shift() as T);
        draining = false;
        if (buffer.length > 0) {
          pending ??= scheduler.schedule(() => {
            pending = undefined;
            drain();
          }, bucket.msUntilNext());
        } else if (sourceDone) {
          subscriber.complete();
        }
      };

      const subscription = source.subscribe({
        next: (value) => {
          buffer.push(value);
          if (!pending) drain();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!pending) drain();
        },
      });

      return () => {
        subscription.unsubscribe();
        pending?.unsubscribe();
        buffer.length = 0;
      };
    });
}
