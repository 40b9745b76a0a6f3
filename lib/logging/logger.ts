import pino, { type DestinationStream, type Level, type Logger } from 'pino';

/**
 * Logger settings as found in `PoolConfig.logging`.
 *
 * ## Example
 * ```ts
 * import { createLogger, type LoggingOptions } from 'rxjs-worker-pool';
 * const logging: LoggingOptions = { level: 'debug', pretty: true };
 * const logger = createLogger(logging);
 * ```
 */
export interface LoggingOptions {
  /** Lowest level logged. Defaults to `'info'`. */
  level?: Level | 'silent';
  /** Human-readable output through `pino-pretty`, when it is installed. Defaults to false. */
  pretty?: boolean;
}

/**
 * Builds the pool's pino logger from `logging` settings.
 *
 * Pretty output needs the optional `pino-pretty` package; without it the logger writes JSON
 * lines, so asking for `pretty` never breaks a deployment that lacks it.
 *
 * ## Example
 * ```ts
 * import { createLogger } from 'rxjs-worker-pool';
 * const logger = createLogger({ level: 'debug' });
 * logger.debug({ taskId: 't1' }, 'started');
 * // Output:
 * // {"level":20,"time":1700000000000,"pid":1,"hostname":"h","taskId":"t1","msg":"started"}
 * ```
 *
 * @param logging Level and pretty flag. Defaults to `'info'`, JSON lines.
 * @param destination Where lines go. Defaults to stdout.
 * @return A pino logger.
 */
export function createLogger(
  logging: LoggingOptions = {},
  destination?: DestinationStream,
): Logger {
  const options = { level: logging.level ?? 'info' };
  const pretty = logging.pretty ? loadPretty() : undefined;
  if (pretty) return pino(options, pretty({ destination: destination ?? 1, sync: true }));
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A logger that logs nothing, for tests and for pools that must stay quiet.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, silentLogger } from 'rxjs-worker-pool';
 * const pool = new WorkerPool({ handler, logger: silentLogger() });
 * ```
 */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

type PrettyFactory = (options: {
  destination: DestinationStream | number;
  sync: boolean;
}) => DestinationStream;

/** `pino-pretty`'s factory if the package is installed (an optional peer), else undefined. */
function loadPretty(): PrettyFactory | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency
    const loaded = require('pino-pretty') as PrettyFactory | { default: PrettyFactory };
    return typeof loaded === 'function' ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}
