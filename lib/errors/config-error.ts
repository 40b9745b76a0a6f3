import { WorkerPoolError } from './worker-pool-error';

/**
 * One thing wrong with a configuration, as listed by {@link ConfigError.problems}.
 *
 * ## Example
 * ```ts
 * import { loadConfig, ConfigError, type ConfigProblem } from 'rxjs-worker-pool';
 * let problems: ConfigProblem[] = [];
 * try {
 *   loadConfig({ overrides: { queue: { capacity: 0 } } });
 * } catch (error) {
 *   if (error instanceof ConfigError) problems = error.problems;
 * }
 * console.log(problems.map(({ path, message, value }) => `${path}=${value}: ${message}`));
 * // Output: [ 'queue.capacity=0: must be >= 1, got 0 (in overrides)' ]
 * ```
 */
export interface ConfigProblem {
  /** Dotted option path, e.g. `queue.capacity` (empty for the root). */
  path: string;
  /** What was expected, e.g. `must be >= 1`. */
  message: string;
  /** The offending value, when there is one. */
  value?: unknown;
}

/**
 * A configuration or option set is invalid; lists every problem at once.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, ConfigError } from 'rxjs-worker-pool';
 * try {
 *   new WorkerPool({ concurrency: 0, queue: { capacity: -1 } });
 * } catch (error) {
 *   if (!(error instanceof ConfigError)) throw error;
 *   for (const { path, message } of error.problems) console.log(error.source, path, message);
 * }
 * // Output:
 * // options concurrency must be >= 1, got 0
 * // options queue.capacity must be >= 1, got -1
 * ```
 */
export class ConfigError extends WorkerPoolError {
  constructor(
    readonly problems: ConfigProblem[],
    /** Where the configuration came from (a file path, `environment`, `options`). */
    readonly source?: string,
  ) {
    super(
      `Invalid configuration${source ? ` in ${source}` : ''}:\n` +
        problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
