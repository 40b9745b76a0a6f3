import {
  asyncScheduler,
  concatMap,
  defer,
  EMPTY,
  from,
  tap,
  throwError,
  type ObservableInput,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { CircuitBreaker, type CircuitBreakerOptions } from '../resilience/circuit-breaker';

/**
 * Options of the {@link circuitBreaker} operator.
 *
 * ## Example
 * ```ts
 * import { circuitBreaker, type CircuitBreakerOperatorOptions } from 'rxjs-worker-pool';
 * const options: CircuitBreakerOperatorOptions = {
 *   failureThreshold: 5,
 *   resetTimeoutMs: 30_000,
 *   onOpen: 'skip', // while open, readings are dropped instead of erroring the stream
 * };
 * readings$.pipe(circuitBreaker((reading) => upload(reading), options)).subscribe();
 * ```
 */
export interface CircuitBreakerOperatorOptions extends CircuitBreakerOptions {
  /**
   * What happens to a value that arrives while the breaker is open: `'error'` errors the stream
   * with a `CircuitOpenError`, `'skip'` drops the value and goes on. Defaults to `'error'`.
   */
  onOpen?: 'error' | 'skip';
}

/**
 * Maps each value through `project` one at a time (like `concatMap`) under a circuit breaker:
 * an inner Observable that errors counts as a failure, one that completes as a success. An
 * inner error is passed on, as `concatMap` does. A value taken while the breaker is open errors
 * the stream with a `CircuitOpenError` (or is dropped with `onOpen: 'skip'`).
 *
 * The breaker is built once per call of `circuitBreaker()` and shared by every subscription to
 * the result, so its state outlives a resubscription by `retry()`: pair it with
 * `retry({ delay })` to wait until `CircuitOpenError.retryAt`. Pass a `CircuitBreaker` instead
 * of options to share one with other code. An inner call cut short by unsubscribing gives its
 * half-open probe slot back without a verdict.
 *
 * ## Example
 * ```ts
 * import { timer, retry } from 'rxjs';
 * import { circuitBreaker, CircuitOpenError } from 'rxjs-worker-pool';
 * orders$
 *   .pipe(
 *     circuitBreaker((order) => charge(order), { failureThreshold: 3, resetTimeoutMs: 10_000 }),
 *     retry({ delay: (error) => (error instanceof CircuitOpenError ? timer(error.retryInMs) : timer(100)) }),
 *   )
 *   .subscribe(console.log);
 * // Output: each charge's result; after 3 failed charges in a row, a 10 s pause
 * ```
 *
 * @param project Called with each value; its Observable, Promise or iterable is the inner call.
 * @param options Breaker options plus `onOpen`, or a ready `CircuitBreaker` (`onOpen` 'error').
 * @param scheduler Clock and timer of a breaker built from options. Defaults to `asyncScheduler`.
 * @return An operator emitting the inner calls' values, in order.
 */
export function circuitBreaker<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
  options: CircuitBreakerOperatorOptions | CircuitBreaker,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, R> {
  const breaker =
    options instanceof CircuitBreaker ? options : new CircuitBreaker(options, scheduler, '');
  const onOpen = options instanceof CircuitBreaker ? 'error' : (options.onOpen ?? 'error');
  if (onOpen !== 'error' && onOpen !== 'skip') {
    throw new TypeError(`Expected \`onOpen\` to be 'error' | 'skip', got \`${String(onOpen)}\``);
  }
  return concatMap((value: T, index: number) => {
    if (!breaker.tryAcquire()) {
      return onOpen === 'skip' ? EMPTY : throwError(() => breaker.openError());
    }
    return defer(() => from(project(value, index))).pipe(
      tap({
        complete: () => breaker.onSuccess(),
        error: () => breaker.onFailure(),
        unsubscribe: () => breaker.release(),
      }),
    );
  });
}
