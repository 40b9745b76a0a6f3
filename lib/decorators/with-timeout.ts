import { asyncScheduler, defer, finalize, firstValueFrom, throwError, timeout } from 'rxjs';
import { checkDuration } from '../options/check-option';
import { TaskTimeoutError } from '../errors/task-timeout-error';
import {
  fromResult,
  signalContext,
  type DecoratorOptions,
  type SignalContext,
} from './decorator-internals';

/**
 * Makes `fn` reject with a `TaskTimeoutError` when it has not settled within `timeoutMs`.
 *
 * When the last argument is a context with a `signal` (a `TaskContext`), `fn` receives a copy of
 * it whose `signal` is a new one: aborted when the caller's is, and aborted with the
 * `TaskTimeoutError` on timeout, so `fn` can stop its work. Without such a context it just races
 * `fn` against the timer (the work itself cannot be stopped). Built on RxJS `timeout`.
 *
 * ## Example
 * ```ts
 * import { withTimeout } from 'rxjs-worker-pool';
 * const fetchWithin1s = withTimeout(
 *   (url: string, ctx: { signal: AbortSignal }) => fetch(url, { signal: ctx.signal }),
 *   1000,
 * );
 * await fetchWithin1s('https://example.com/slow', { signal: new AbortController().signal });
 * // Output: rejects with TaskTimeoutError after 1 s; the fetch is aborted
 * ```
 *
 * @param fn A function returning a value or a Promise.
 * @param timeoutMs Time allowed per call, in ms (> 0).
 * @param options `scheduler` runs the timer; defaults to `asyncScheduler`.
 * @return A function of the same parameters returning a Promise of `fn`'s result.
 */
export function withTimeout<A extends unknown[], R>(
  fn: (...args: A) => R,
  timeoutMs: number,
  options: DecoratorOptions = {},
): (...args: A) => Promise<Awaited<R>> {
  checkDuration(timeoutMs, 'timeoutMs', { exclusiveMin: true });
  const scheduler = options.scheduler ?? asyncScheduler;
  return (...args: A) => {
    const ctx = signalContext(args);
    const controller = ctx ? new AbortController() : undefined;
    let unlink = (): void => undefined;
    const call$ = defer(() => {
      if (!ctx || !controller) return fromResult(fn(...args));
      unlink = link(ctx.signal, controller);
      const passed = [...args.slice(0, -1), { ...ctx, signal: controller.signal }];
      return fromResult(fn(...(passed as A)));
    }).pipe(
      timeout({
        first: timeoutMs,
        scheduler,
        with: () => {
          const error = timeoutError(timeoutMs, ctx);
          controller?.abort(error);
          return throwError(() => error);
        },
      }),
      finalize(() => unlink()),
    );
    return firstValueFrom(call$);
  };
}

/** Aborts `child` when `parent` aborts (with the same reason); returns the unlinking function. */
function link(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return () => undefined;
  }
  const onAbort = (): void => child.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

/** A timeout error carrying the task id and attempt when the context has them. */
function timeoutError(timeoutMs: number, ctx: SignalContext | undefined): TaskTimeoutError {
  const facts = ctx as { task?: { id?: unknown }; attempt?: unknown } | undefined;
  const taskId = typeof facts?.task?.id === 'string' ? facts.task.id : undefined;
  const attempt = typeof facts?.attempt === 'number' ? facts.attempt : undefined;
  return new TaskTimeoutError(timeoutMs, taskId, attempt);
}
