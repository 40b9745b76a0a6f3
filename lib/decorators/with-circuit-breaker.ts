import { CircuitBreaker, type CircuitBreakerOptions } from '../resilience/circuit-breaker';
import type { DecoratorOptions } from './decorator-internals';

/**
 * A function decorated by {@link withCircuitBreaker}, its breaker attached for inspection.
 *
 * ## Example
 * ```ts
 * import { withCircuitBreaker, type CircuitBreakerFunction } from 'rxjs-worker-pool';
 * const getUser: CircuitBreakerFunction<[id: string], Promise<User>> = withCircuitBreaker(
 *   (id: string) => users.get(id),
 *   { failureThreshold: 3, resetTimeoutMs: 5_000 },
 * );
 * const user = await getUser('u-1');
 * console.log(getUser.breaker.state);
 * // Output: closed
 * ```
 */
export type CircuitBreakerFunction<A extends unknown[], R> = ((
  ...args: A
) => Promise<Awaited<R>>) & {
  /** The breaker guarding the calls: `state`, `state$`, `retryAt()`. */
  readonly breaker: CircuitBreaker;
};

/**
 * Guards `fn` with a {@link CircuitBreaker}: a call that throws or rejects counts as a failure;
 * once the breaker opens, calls reject at once with a `CircuitOpenError` (saying when to try
 * again) without calling `fn`; after `resetTimeoutMs`, `halfOpenMax` probe calls go through and
 * the first success closes it again.
 *
 * ## Example
 * ```ts
 * import { withCircuitBreaker, CircuitOpenError } from 'rxjs-worker-pool';
 * const charge = withCircuitBreaker((order: Order) => payments.charge(order), {
 *   failureThreshold: 5,
 *   resetTimeoutMs: 30_000,
 * });
 * charge.breaker.state$.subscribe((state) => console.log('payments:', state));
 * try {
 *   await charge(order);
 * } catch (error) {
 *   if (error instanceof CircuitOpenError) queueForLater(order, error.retryAt);
 * }
 * // Output: payments: closed
 * ```
 *
 * @param fn A function returning a value or a Promise.
 * @param breakerOptions See `CircuitBreakerOptions`; bad values throw a `TypeError` at once.
 * @param options `scheduler` gives the breaker's clock and timer; defaults to `asyncScheduler`.
 * @return A function of the same parameters returning a Promise, with a read-only `breaker`.
 */
export function withCircuitBreaker<A extends unknown[], R>(
  fn: (...args: A) => R,
  breakerOptions: CircuitBreakerOptions,
  options: DecoratorOptions = {},
): CircuitBreakerFunction<A, R> {
  const breaker = new CircuitBreaker(breakerOptions, options.scheduler, '');
  const decorated = (...args: A): Promise<Awaited<R>> => {
    if (!breaker.tryAcquire()) return Promise.reject(breaker.openError());
    let result: R;
    try {
      result = fn(...args);
    } catch (error) {
      breaker.onFailure();
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(
      (value) => {
        breaker.onSuccess();
        return value;
      },
      (error: unknown) => {
        breaker.onFailure();
        throw error;
      },
    );
  };
  return Object.defineProperty(decorated, 'breaker', {
    value: breaker,
    enumerable: true,
    writable: false,
    configurable: false,
  }) as CircuitBreakerFunction<A, R>;
}
