import { TaskTimeoutError } from '../errors/task-timeout-error';
import { toError } from '../errors/to-error';
import { MAX_TIMER_MS } from '../options/check-option';
import { describeValue } from '../options/describe-value';
import { shouldRetry } from '../retry/retry-policy';
import type { Logger } from 'pino';
import { priorityName } from '../task/priority';
import type { HotStream } from '../merge/hot-stream';
import { EVENT_KIND, withKey, type PoolEvent } from './pool-events';
import type { Handler } from '../task/task';
import type { Instruments } from './instrumentation';
import { Outcome, type Attempt } from './pool-task';

/* Steps of an attempt's life that need nothing of the engine's state. */

/**
 * Whether a failed attempt is retried, and after how long. A retry policy is user code: if
 * `retryIf` or `delayMs` throws, or the delay is no duration a timer can wait, the task fails
 * with that error (`final`, recorded on the attempt) rather than escaping the engine. No retry
 * after the shutdown cut-off, nor for an attempt marked `noRetry`.
 */
export function retryDelay<I, O>(
  attempt: Attempt<I, O>,
  error: Error,
  cutOff: boolean,
): { delay: number | undefined; final: Error } {
  const retry = attempt.task.settings.retry;
  let delay: number | undefined;
  let final = error;
  if (!cutOff && !attempt.noRetry) {
    try {
      if (shouldRetry(retry, error, attempt.attempt)) {
        delay = checkBackoffDelay(retry.backoff.delayMs(attempt.attempt, error), attempt.attempt);
      }
    } catch (policyError) {
      final = toError(policyError);
      if (final !== error) attempt.addError(final);
    }
  }
  return { delay, final };
}

/** A backoff's delay, checked: a timer of more than 2^31-1 ms (or NaN) would fire after 1 ms. */
function checkBackoffDelay(delayMs: number, attempt: number): number {
  if (typeof delayMs === 'number' && delayMs <= MAX_TIMER_MS) return Math.max(0, delayMs);
  throw new RangeError(
    `Expected \`retry.backoff.delayMs(${attempt})\` to return a number of ms up to ${MAX_TIMER_MS}, got ${describeValue(delayMs)}`,
  );
}

/**
 * Runs a bulk cancellation without capturing a stack per error: the stack of a cancellation
 * says nothing, and capturing it was most of the ~12 µs each of 200k cancels cost.
 */
export function withoutStacks<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** True for a promise or any thenable a handler may return. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * The debug line of a failed attempt: `'retrying'` when a retry follows after `delayMs`, else
 * `'task failed'`. Expected task failures are data in results; the line is for debugging.
 */
export function logAttemptEnd<I, O>(
  logger: Logger,
  attempt: Attempt<I, O>,
  err: Error,
  delayMs: number | undefined,
): void {
  const { task } = attempt;
  const fields = {
    taskId: task.id,
    priority: priorityName(task.priority),
    attempt: attempt.attempt,
  };
  if (delayMs === undefined)
    logger.debug({ ...fields, durationMs: attempt.runMs, err }, 'task failed');
  else logger.debug({ ...fields, delayMs, err }, 'retrying');
}

/** The `started` event of an attempt; the engine checks first that someone takes it. */
export function emitStarted<I, O>(events: HotStream<PoolEvent>, attempt: Attempt<I, O>): void {
  const { task } = attempt;
  events.next(
    withKey(
      {
        type: 'started' as const,
        taskId: task.id,
        priority: task.priority,
        attempt: attempt.attempt,
      },
      task.key,
    ),
    EVENT_KIND.started,
  );
}

/** The `retrying` event of a failed attempt, its retry `delayMs` away. */
export function emitRetrying<I, O>(
  events: HotStream<PoolEvent>,
  attempt: Attempt<I, O>,
  delayMs: number,
  error: Error,
): void {
  const { task } = attempt;
  events.next(
    withKey(
      {
        type: 'retrying' as const,
        taskId: task.id,
        priority: task.priority,
        attempt: attempt.attempt,
        delayMs,
        error,
      },
      task.key,
    ),
    EVENT_KIND.retrying,
  );
}

/** Tells the instrumentations how an attempt ended, once its slot is free. */
export function attemptEnded<I, O>(instruments: Instruments<I, O>, attempt: Attempt<I, O>): void {
  const error = attempt.outcome === Outcome.Succeeded ? undefined : toError(attempt.result);
  const outcome =
    attempt.outcome === Outcome.Succeeded
      ? 'succeeded'
      : attempt.outcome === Outcome.Cancelled
        ? 'cancelled'
        : error instanceof TaskTimeoutError
          ? 'timed-out'
          : 'failed';
  instruments.attemptEnded(attempt.task, attempt.attempt, outcome, error);
}

/** The handler's call for an attempt, inside the instrumentations' `attempt` hooks if any. */
export function callHandler<I, O>(
  instruments: Instruments<I, O> | undefined,
  handler: Handler<I, O>,
  attempt: Attempt<I, O>,
): ReturnType<Handler<I, O>> {
  const { task } = attempt;
  if (instruments === undefined) return handler(task.input, attempt);
  attempt.instruments = instruments;
  return instruments.runAttempt(task, attempt.attempt, () => handler(task.input, attempt));
}
