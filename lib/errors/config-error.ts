import { WorkerPoolError } from './worker-pool-error';

/** One thing wrong with a configuration. */
export interface ConfigProblem {
  /** Dotted option path, e.g. `queue.capacity` (empty for the root). */
  path: string;
  /** What was expected, e.g. `must be >= 1`. */
  message: string;
  /** The offending value, when there is one. */
  value?: unknown;
}

/** A configuration or option set is invalid; lists every problem at once. */
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
