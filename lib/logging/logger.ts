import type { DestinationStream, Level, Logger } from 'pino';
import { ConfigError } from '../errors/config-error';

type Pino = typeof import('pino');
let pinoModule: Pino | undefined;
/** pino loads with the first logger a pool makes: importing the package stays light. */
function pino(): Pino {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  return (pinoModule ??= require('pino') as Pino);
}

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
  /** Lowest level logged. Defaults to `'warn'`: a pool is quiet unless something is wrong. */
  level?: Level | 'silent';
  /** Human-readable output through the optional peer `pino-pretty`. Defaults to false. */
  pretty?: boolean;
}

/**
 * Builds the pool's pino logger from `logging` settings. It writes to stderr, synchronously,
 * never to stdout: a program that pipes its results on stdout is never corrupted by the pool,
 * and the lines keep their order with the program's own stderr output.
 *
 * `pretty: true` needs the optional peer `pino-pretty`; without it this throws a
 * `ConfigError` naming `logging.pretty` (a silent fallback to JSON would hide the typo-like
 * mistake of a missing install).
 *
 * ## Example
 * ```ts
 * import { createLogger } from 'rxjs-worker-pool';
 * const logger = createLogger({ level: 'debug' });
 * logger.debug({ taskId: 't1' }, 'started');
 * // Output (on stderr):
 * // {"level":20,"time":1700000000000,"pid":1,"hostname":"h","taskId":"t1","msg":"started"}
 * ```
 *
 * @param logging Level and pretty flag. Defaults to `'warn'`, JSON lines.
 * @param destination Where lines go. Defaults to stderr.
 * @return A pino logger.
 */
export function createLogger(
  logging: LoggingOptions = {},
  destination?: DestinationStream,
): Logger {
  const options = { level: logging.level ?? 'warn' };
  const create = pino();
  if (logging.pretty) {
    return create(options, loadPretty()({ destination: destination ?? STDERR, sync: true }));
  }
  return create(options, destination ?? create.destination({ dest: STDERR, sync: true }));
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
  return pino()({ level: 'silent' });
}

const STDERR = 2;

type PrettyFactory = (options: {
  destination: DestinationStream | number;
  sync: boolean;
}) => DestinationStream;

/** `pino-pretty`'s factory (an optional peer), or a ConfigError saying how to get it. */
function loadPretty(): PrettyFactory {
  let loaded: PrettyFactory | { default: PrettyFactory };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer dependency
    loaded = require('pino-pretty') as PrettyFactory | { default: PrettyFactory };
  } catch {
    throw new ConfigError([
      {
        path: 'logging.pretty',
        message:
          'needs the optional package pino-pretty: npm install pino-pretty (or set it to false)',
        value: true,
      },
    ]);
  }
  return typeof loaded === 'function' ? loaded : loaded.default;
}
