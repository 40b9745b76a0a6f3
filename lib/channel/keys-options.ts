import { asyncScheduler } from 'rxjs';
import { DEFAULTS } from '../config/defaults';
import { checkNumber, optionPath, type NumberRule } from '../options/check-option';
import { describeValue } from '../options/describe-value';
import { TokenBucket, type RateLimitOptions } from '../resilience/token-bucket';

/**
 * Limits per key: how many slots the running attempts of one key may hold, and how often its
 * tasks may start. Keys are a tenant, a user, a host: whatever should share the pool fairly.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, type KeysOptions } from 'rxjs-worker-pool';
 * const keys: KeysOptions = {
 *   concurrency: 4, // each tenant runs at most 4 slots' worth at once
 *   limits: { 'tenant-big': 16 }, // except this one
 *   rateLimit: { limit: 10, intervalMs: 1000 }, // and starts at most 10 tasks a second
 * };
 * const pool = new WorkerPool({ handler, concurrency: 32, keys });
 * await pool.submit(job, { key: job.tenantId });
 * ```
 */
export interface KeysOptions {
  /** The most slots the running attempts of one key hold. Defaults to `Infinity`. */
  concurrency?: number;
  /** Per-key overrides of `concurrency`. */
  limits?: Readonly<Record<string, number>>;
  /** Starts allowed per key per interval, besides the pool's own rate limit. */
  rateLimit?: RateLimitOptions;
  /** Keys with their own entry in `metrics().keys.top` and their own Prometheus series. Defaults to 100. */
  maxTracked?: number;
}

/** A key limit: an integer from 1, or `Infinity`. */
export const KEY_LIMIT: NumberRule = { min: 1, integer: true, infinite: true, expected: 'from 1' };

/** Keys with their own metrics line unless `keys.maxTracked` says otherwise. */
export const DEFAULT_MAX_TRACKED = DEFAULTS.keysMaxTracked;

/** Checks `keys` options, naming `path` and the value in the message. */
export function checkKeysOptions(options: KeysOptions, path = 'keys'): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected \`${path}\` to be an object, got ${describeValue(options)}`);
  }
  const { concurrency, limits, rateLimit, maxTracked } = options;
  if (concurrency !== undefined)
    checkNumber(concurrency, optionPath(path, 'concurrency'), KEY_LIMIT);
  if (limits !== undefined) {
    if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
      throw new TypeError(
        `Expected \`${path}.limits\` to be an object of key limits, got ${describeValue(limits)}`,
      );
    }
    for (const [key, limit] of Object.entries(limits)) {
      checkNumber(limit, `${path}.limits[${JSON.stringify(key)}]`, KEY_LIMIT);
    }
  }
  if (rateLimit !== undefined)
    new TokenBucket(rateLimit, asyncScheduler, optionPath(path, 'rateLimit'));
  if (maxTracked !== undefined) {
    checkNumber(maxTracked, optionPath(path, 'maxTracked'), { min: 0, integer: true });
  }
}
