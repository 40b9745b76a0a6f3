import type { Backoff } from '../backoff/backoff';
import { backoffFrom } from '../backoff/backoff-from';
import { checkFunction, checkNumber, optionPath } from '../options/check-option';
import { NonRetryableError } from '../errors/non-retryable-error';
import { WorkerPoolError } from '../errors/worker-pool-error';
import { TaskCancelledError } from '../errors/task-cancelled-error';
import type { RetryOptions } from './retry-options';
import { DEFAULTS } from '../config/defaults';

/**
 * The default retry policy: 3 attempts, exponential backoff from 100 ms, factor 2, capped at
 * 30 s, full jitter. Frozen.
 *
 * ## Example
 * ```ts
 * import { DEFAULT_RETRY, WorkerPool } from 'rxjs-worker-pool';
 * console.log(DEFAULT_RETRY.maxAttempts);
 * // Output: 3
 * // Pool options override it key by key:
 * new WorkerPool({ handler, retry: { ...DEFAULT_RETRY, maxAttempts: 5 } });
 * ```
 */
export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  maxAttempts: DEFAULTS.retryMaxAttempts,
  backoff: Object.freeze({
    strategy: 'exponential',
    initialMs: DEFAULTS.backoffInitialMs,
    factor: DEFAULTS.backoffFactor,
    maxMs: DEFAULTS.backoffMaxMs,
    jitter: 'full',
  } as const),
});

/** A validated retry policy, its backoff built once. */
export interface ResolvedRetry {
  /** Total attempts, the first one included (an integer >= 1). */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
}

/**
 * Merges `override` over `base` key by key (undefined keys do not override), validates the
 * result and builds its backoff once. Bad values throw a `TypeError` naming the option under
 * `path`, e.g. ``Expected `retry.maxAttempts` to be an integer >= 1, got `0` (number)``.
 *
 * ## Example
 * ```ts
 * import { DEFAULT_RETRY } from 'rxjs-worker-pool';
 * import { resolveRetry } from './retry-policy'; // internal: lib/retry/
 * const retry = resolveRetry(DEFAULT_RETRY, { backoff: { strategy: 'fixed', initialMs: 50, maxMs: 50 } });
 * retry.backoff.delayMs(1);
 * // Output: 50
 * ```
 *
 * @param base Usually {@link DEFAULT_RETRY} or the pool's resolved options.
 * @param override Per-task or per-decorator keys.
 * @param path Prefix of the option names in error messages. Defaults to `retry`.
 */
export function resolveRetry(
  base: RetryOptions,
  override?: Partial<RetryOptions>,
  path = 'retry',
): ResolvedRetry {
  const maxAttempts = checkNumber(
    override?.maxAttempts ?? base.maxAttempts,
    optionPath(path, 'maxAttempts'),
    { min: 1, integer: true },
  );
  const backoff = backoffFrom(override?.backoff ?? base.backoff, optionPath(path, 'backoff'));
  const retryIf = override?.retryIf ?? base.retryIf;
  if (retryIf === undefined) return { maxAttempts, backoff };
  return {
    maxAttempts,
    backoff,
    retryIf: checkFunction<NonNullable<RetryOptions['retryIf']>>(
      retryIf,
      optionPath(path, 'retryIf'),
    ),
  };
}

/**
 * Whether a failed attempt is retried: false for a `NonRetryableError` (or an error marked with
 * `NonRetryableError.mark`) or a `TaskCancelledError`, when `attempt` reached `maxAttempts`, or
 * when `retryIf` says false. Without `retryIf`, a `WorkerPoolError` whose `retryByDefault` is
 * false is not retried either. Anything else, a `TaskTimeoutError` included, is retried. An exception thrown by `retryIf` propagates.
 *
 * ## Example
 * ```ts
 * import { DEFAULT_RETRY, NonRetryableError } from 'rxjs-worker-pool';
 * import { resolveRetry, shouldRetry } from './retry-policy'; // internal: lib/retry/
 * const retry = resolveRetry(DEFAULT_RETRY);
 * shouldRetry(retry, new Error('boom'), 1); // true
 * shouldRetry(retry, new Error('boom'), 3); // false: 3 attempts made
 * shouldRetry(retry, new NonRetryableError('bad input'), 1); // false
 * // Output: true, false, false
 * ```
 *
 * @param resolved The policy, from {@link resolveRetry}.
 * @param error The failed attempt's error.
 * @param attempt The failed attempt's number, 1 for the first.
 */
export function shouldRetry(resolved: ResolvedRetry, error: unknown, attempt: number): boolean {
  if (NonRetryableError.isMarked(error) || error instanceof TaskCancelledError) return false;
  if (attempt >= resolved.maxAttempts) return false;
  if (resolved.retryIf) return Boolean(resolved.retryIf(error, attempt));
  return !(error instanceof WorkerPoolError && error.retryByDefault === false);
}
