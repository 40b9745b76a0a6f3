import {
  asyncScheduler,
  defer,
  firstValueFrom,
  fromEvent,
  mergeMap,
  race,
  retry,
  take,
  throwError,
  timer,
  type Observable,
} from 'rxjs';
import type { RetryOptions } from '../retry/retry-options';
import { DEFAULT_RETRY, resolveRetry, shouldRetry } from '../retry/retry-policy';
import { fromResult, signalContext, type DecoratorOptions } from './decorator-internals';

/**
 * Calls `fn` again when it fails, up to `maxAttempts` calls in all, waiting the backoff's delay
 * before each retry; rejects with the last error. Unset keys take {@link DEFAULT_RETRY}'s values
 * (3 attempts, exponential backoff with full jitter). A `NonRetryableError`, a
 * `TaskCancelledError` or an error `retryIf` refuses rejects at once. When the last argument is
 * a context with a `signal`, an aborted signal stops further attempts. Built on RxJS `retry`.
 *
 * ## Example
 * ```ts
 * import { withRetry } from 'rxjs-worker-pool';
 * const getUser = withRetry((id: string) => api.getUser(id), {
 *   maxAttempts: 5,
 *   backoff: { strategy: 'exponential', initialMs: 200, maxMs: 5000 },
 *   retryIf: (error) => !(error instanceof NotFoundError),
 * });
 * await getUser('42');
 * // Output: the user, after at most 5 calls of api.getUser
 * ```
 *
 * @param fn A function returning a value or a Promise.
 * @param retryOptions Overrides of the default retry policy; bad values throw a `TypeError`.
 * @param options `scheduler` runs the backoff timers; defaults to `asyncScheduler`.
 * @return A function of the same parameters returning a Promise of `fn`'s result.
 */
export function withRetry<A extends unknown[], R>(
  fn: (...args: A) => R,
  retryOptions: Partial<RetryOptions> = {},
  options: DecoratorOptions = {},
): (...args: A) => Promise<Awaited<R>> {
  const policy = resolveRetry(DEFAULT_RETRY, retryOptions);
  const scheduler = options.scheduler ?? asyncScheduler;
  return (...args: A) => {
    const signal = signalContext(args)?.signal;
    return firstValueFrom(
      defer(() => fromResult(fn(...args))).pipe(
        retry({
          count: policy.maxAttempts - 1,
          // `retryCount` is 1 after the first failure: it is also the failed attempt's number.
          delay: (error: unknown, retryCount: number): Observable<unknown> => {
            if (!shouldRetry(policy, error, retryCount) || signal?.aborted) {
              return throwError(() => error);
            }
            const wait$ = timer(policy.backoff.delayMs(retryCount, error), scheduler);
            if (!signal) return wait$;
            const aborted$ = fromEvent(signal, 'abort').pipe(
              take(1),
              mergeMap(() => throwError(() => error)),
            );
            return race(wait$, aborted$);
          },
        }),
      ),
    );
  };
}
