import { asyncScheduler, Subject } from 'rxjs';
import { rateLimit } from '../operators/rate-limit';
import { TokenBucket, type RateLimitOptions } from '../resilience/token-bucket';
import type { DecoratorOptions } from './decorator-internals';

/**
 * Lets at most `limit` calls of `fn` start in any `intervalMs` window. Calls beyond it are not
 * refused: they wait, first come first started, and start as soon as the window allows. Only
 * starts are limited, not how many calls run at once.
 *
 * ## Example
 * ```ts
 * import { withRateLimit } from 'rxjs-worker-pool';
 * const send = withRateLimit((text: string) => api.sendSms(text), { limit: 10, intervalMs: 1000 });
 * await Promise.all(messages.map((text) => send(text)));
 * // Output: at most 10 sendSms starts per second, in the order of `messages`
 * ```
 *
 * @param fn A function returning a value or a Promise.
 * @param limits `limit` starts per `intervalMs`; bad values throw a `TypeError` at once.
 * @param options `scheduler` gives the clock and runs the waits; defaults to `asyncScheduler`.
 * @return A function of the same parameters returning a Promise of `fn`'s result.
 */
export function withRateLimit<A extends unknown[], R>(
  fn: (...args: A) => R,
  limits: RateLimitOptions,
  options: DecoratorOptions = {},
): (...args: A) => Promise<Awaited<R>> {
  const scheduler = options.scheduler ?? asyncScheduler;
  new TokenBucket(limits, scheduler, '');
  // Every call becomes a start function in one rate-limited stream: its buffer is the FIFO
  // waiting line, and a call within the limit starts synchronously, as `fn` itself would.
  const starts = new Subject<() => void>();
  starts.pipe(rateLimit<() => void>(limits, scheduler)).subscribe((start) => start());
  return (...args: A) =>
    new Promise<Awaited<R>>((resolve, reject) => {
      starts.next(() => {
        try {
          Promise.resolve(fn(...args)).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
}
