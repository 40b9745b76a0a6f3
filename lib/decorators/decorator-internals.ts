import {
  from,
  isObservable,
  of,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';

/**
 * A call's result as an Observable: a Promise (or thenable) is awaited, anything else is the value.
 * @internal
 */
export function fromResult<R>(result: R): Observable<Awaited<R>> {
  // An Observable result is a value too: decorated functions return promises, not streams.
  if (!isObservable(result) && isThenable(result)) {
    return from(result as ObservableInput<Awaited<R>>);
  }
  return of(result as Awaited<R>);
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A `TaskContext`-like last argument: an object with an `AbortSignal` in `signal`.
 * @internal
 */
export interface SignalContext {
  readonly signal: AbortSignal;
}

/**
 * The context among `args` (the last one, when it has a `signal`), or undefined.
 * @internal
 */
export function signalContext(args: readonly unknown[]): SignalContext | undefined {
  const last = args[args.length - 1];
  if (typeof last !== 'object' || last === null) return undefined;
  const signal = (last as { signal?: unknown }).signal;
  return signal instanceof AbortSignal ? (last as SignalContext) : undefined;
}

/**
 * Options every decorator takes.
 *
 * ## Example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { withRetry, type DecoratorOptions } from 'rxjs-worker-pool';
 * const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
 * const options: DecoratorOptions = { scheduler }; // backoff waits run on virtual time
 * const loadUser = withRetry(fetchUser, { maxAttempts: 3 }, options);
 * ```
 */
export interface DecoratorOptions {
  /** Runs the decorator's timers and gives its clock. Defaults to `asyncScheduler`. */
  scheduler?: SchedulerLike;
}
