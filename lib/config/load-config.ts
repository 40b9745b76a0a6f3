import * as fs from 'fs';
import * as path from 'path';
type YamlModule = typeof import('yaml');
import { ConfigError, type ConfigProblem } from '../errors/config-error';
import { cloneData, getOwn, isPlainObject, setOwn, shapeProblem } from './config-internals';
import { showValue } from '../options/describe-value';
import { configFromEnv, envVarName } from './env';
import type { PoolConfig, PoolConfigInput } from './schema';
import { checkConfig } from './validate';

/**
 * Every property optional, recursively: what a partial override may hold.
 *
 * ## Example
 * ```ts
 * import type { DeepPartial, PoolConfigInput } from 'rxjs-worker-pool';
 * const overrides: DeepPartial<PoolConfigInput> = { rateLimit: { limit: 10 } };
 * ```
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Where {@link loadConfig} reads from; every source is optional.
 *
 * ## Example
 * ```ts
 * import { loadConfig, type LoadConfigOptions } from 'rxjs-worker-pool';
 * const options: LoadConfigOptions = { file: 'pool.yaml', env: {}, overrides: { timeoutMs: 500 } };
 * loadConfig(options);
 * ```
 */
export interface LoadConfigOptions {
  /** A `.yaml`, `.yml` or `.json` file. */
  file?: string;
  /** The environment to read `WORKER_POOL_*` variables from. Defaults to `process.env`; `{}` ignores it. */
  env?: NodeJS.ProcessEnv;
  /** Applied last, deep-merged over the file and the environment. */
  overrides?: DeepPartial<PoolConfigInput>;
  /**
   * Which of the file and the environment wins where both set a key. Defaults to
   * `'environment'` (a deployment's variables override the checked-in file); the CLI passes
   * `'file'`, so that `--config` overrides `WORKER_POOL_*`.
   */
  precedence?: 'environment' | 'file';
}

/**
 * A {@link ConfigProblem} tagged with the source it came from; `loadConfig`'s errors hold these.
 *
 * ## Example
 * ```ts
 * import { ConfigError, loadConfig, type SourcedConfigProblem } from 'rxjs-worker-pool';
 * try {
 *   loadConfig({ env: { WORKER_POOL_QUEUE_CAPACITY: '0' } });
 * } catch (error) {
 *   const [problem] = (error as ConfigError).problems as SourcedConfigProblem[];
 *   console.log(problem.source, problem.path);
 * }
 * // Output:
 * // environment queue.capacity
 * ```
 */
export interface SourcedConfigProblem extends ConfigProblem {
  /** A file path, `environment` or `overrides`. */
  source?: string;
}

/**
 * Source label of problems and values that came from environment variables.
 *
 * ## Example
 * ```ts
 * import { ENVIRONMENT_SOURCE } from 'rxjs-worker-pool';
 * const fromEnv = problems.filter((p) => p.source === ENVIRONMENT_SOURCE);
 * ```
 */
export const ENVIRONMENT_SOURCE = 'environment';

/**
 * Source label of problems and values that came from `overrides`.
 *
 * ## Example
 * ```ts
 * import { OVERRIDES_SOURCE } from 'rxjs-worker-pool';
 * const fromOverrides = problems.filter((p) => p.source === OVERRIDES_SOURCE);
 * ```
 */
export const OVERRIDES_SOURCE = 'overrides';

/**
 * Loads a pool configuration: file, then `WORKER_POOL_*` variables, then overrides; validated.
 *
 * Later sources win key by key (objects are merged deeply; arrays and scalars replaced), then
 * the schema's defaults fill the rest. Problems of every source are reported together in one
 * `ConfigError`, each tagged with where it came from.
 *
 * ## Example
 * ```ts
 * import { loadConfig } from 'rxjs-worker-pool';
 * // pool.yaml:  queue: { capacity: 1000 }
 * // env:        WORKER_POOL_QUEUE_CAPACITY=5000
 * const config = loadConfig({ file: 'pool.yaml', overrides: { retry: { maxAttempts: 5 } } });
 * console.log(config.queue.capacity, config.retry.maxAttempts, config.logging.level);
 * // Output:
 * // 5000 5 info
 * ```
 *
 * @param options The file, the environment and overrides.
 * @return The validated configuration, defaults applied.
 * @throws ConfigError listing every problem, each with its path, message and source.
 */
export function loadConfig(options: LoadConfigOptions = {}): PoolConfig {
  if (!isPlainObject(options as unknown)) {
    throw new ConfigError([
      {
        path: '',
        message: `loadConfig() takes an object { file?, env?, overrides? }, got ${showValue(options)}`,
        value: options,
      },
    ]);
  }
  const { file, env = process.env, overrides, precedence = 'environment' } = options;
  if (file !== undefined && typeof file !== 'string') {
    throw new ConfigError([
      { path: 'file', message: `must be a path string, got ${showValue(file)}`, value: file },
    ]);
  }
  if (env === null || typeof env !== 'object') {
    throw new ConfigError([
      {
        path: 'env',
        message: `must be an object of environment variables (like process.env), got ${showValue(env)}`,
        value: env,
      },
    ]);
  }
  const problems: SourcedConfigProblem[] = [];
  const merged: Record<string, unknown> = {};
  const origin = new Map<string, string>(); // dotted path → source that last set it

  const applyFile = (): void => {
    if (file === undefined) return;
    const read = readConfigFile(file);
    problems.push(
      ...read.problems.map((p) => ({
        ...p,
        message: p.message.includes(file) ? p.message : `${p.message} (in ${file})`,
        source: file,
      })),
    );
    if (read.data !== undefined) mergeInto(merged, read.data, file, origin, []);
  };
  const applyEnv = (): void => {
    const fromEnv = configFromEnv(env);
    problems.push(...fromEnv.problems.map((p) => ({ ...p, source: ENVIRONMENT_SOURCE })));
    mergeInto(merged, fromEnv.config, ENVIRONMENT_SOURCE, origin, []);
  };
  if (precedence === 'file') {
    applyEnv();
    applyFile();
  } else {
    applyFile();
    applyEnv();
  }

  if (overrides !== undefined) {
    const shape = isPlainObject(overrides) ? shapeProblem(overrides) : undefined;
    if (!isPlainObject(overrides)) problems.push(notAnObject(overrides, OVERRIDES_SOURCE));
    else if (shape !== undefined) problems.push({ ...shape, source: OVERRIDES_SOURCE });
    else mergeInto(merged, overrides, OVERRIDES_SOURCE, origin, []);
  }

  const checked = checkConfig(merged, { useDefaults: true });
  for (const problem of checked.problems) {
    const from = originOf(problem.path, origin);
    problems.push({
      ...problem,
      message: problem.message + sourceNote(from, problem.path),
      source: from?.source,
    });
  }

  if (problems.length > 0) {
    // In the order the sources are applied, whatever order the problems came in.
    const order =
      precedence === 'file'
        ? [ENVIRONMENT_SOURCE, file, OVERRIDES_SOURCE]
        : [file, ENVIRONMENT_SOURCE, OVERRIDES_SOURCE];
    const sources = order.filter(
      (source) => source !== undefined && problems.some((p) => p.source === source),
    );
    throw new ConfigError(problems, sources.join(', ') || undefined);
  }
  return checked.config as PoolConfig;
}

/** What reading a configuration file gave: its data (when it parsed) and its problems. */
interface FileRead {
  data?: Record<string, unknown>;
  problems: ConfigProblem[];
}

/** Configuration files above this size are refused: a pool's options fit in a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

function readConfigFile(file: string): FileRead {
  const extension = path.extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) {
    return {
      problems: [
        {
          path: '',
          message: `unsupported configuration file type "${extension || '(none)'}" of ${file} (expected .yaml, .yml or .json)`,
          value: file,
        },
      ],
    };
  }
  let text: string;
  try {
    text = readSmallRegularFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `configuration file not found: ${path.resolve(file)}`
        : `cannot read configuration file ${path.resolve(file)}: ${(error as Error).message}`;
    return { problems: [{ path: '', message, value: file }] };
  }
  const parsed = extension === '.json' ? parseJson(text) : parseYaml(text);
  if (parsed.problems.length > 0) return { problems: parsed.problems };
  // An empty file (or one holding only comments) is an empty configuration.
  if (parsed.value === null || parsed.value === undefined) return { data: {}, problems: [] };
  if (!isPlainObject(parsed.value)) return { problems: [notAnObject(parsed.value, file)] };
  // Merging recurses: a 100,000-deep file is reported here, not as a stack overflow.
  const shape = shapeProblem(parsed.value);
  if (shape !== undefined) return { problems: [shape] };
  return { data: parsed.value, problems: [] };
}

/**
 * Reads a regular file of at most {@link MAX_CONFIG_FILE_BYTES}. A FIFO or a device named
 * `pool.yaml` would block the read forever, and a huge file costs minutes of parsing: both are
 * refused before anything is read. O_NONBLOCK keeps the open itself from waiting on a FIFO.
 */
function readSmallRegularFile(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_CONFIG_FILE_BYTES) {
      throw new Error(`${stat.size} bytes is over the limit of ${MAX_CONFIG_FILE_BYTES}`);
    }
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

interface Parsed {
  value?: unknown;
  problems: ConfigProblem[];
}

let yamlModule: YamlModule | undefined;
/** yaml loads with the first YAML file: importing the package stays light. */
function yaml(): YamlModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  return (yamlModule ??= require('yaml') as YamlModule);
}

function parseYaml(text: string): Parsed {
  // parseDocument collects every syntax error with its position instead of stopping at the first.
  // Its own duplicate-key check compares each key with every earlier one (quadratic: a 1 MiB
  // file took minutes), so duplicates are found below with a Set instead.
  const { parseDocument, isMap, isScalar, visit } = yaml();
  const document = parseDocument(text, { uniqueKeys: false });
  const duplicates: ConfigProblem[] = [];
  visit(document, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const at =
          pair.key && isScalar(pair.key) && pair.key.range ? lineOf(text, pair.key.range[0]) : '';
        duplicates.push({ path: '', message: `YAML error${at}: duplicate key ${String(key)}` });
      }
    },
  });
  if (duplicates.length > 0) return { problems: duplicates };
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        const at = error.linePos?.[0];
        const where = at ? ` at line ${at.line}, column ${at.col}` : '';
        // The pretty message repeats the position and quotes the line; keep the reason only.
        const reason = firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: '', message: `YAML syntax error${where}: ${reason}` };
      }),
    };
  }
  try {
    // yaml refuses documents whose aliases expand past its limit (a "billion laughs" bomb).
    return { value: document.toJS({ maxAliasCount: 100 }), problems: [] };
  } catch (error) {
    return {
      problems: [{ path: '', message: `YAML error: ${firstLine((error as Error).message)}` }],
    };
  }
}

/** ` at line L` (from 1) of a character offset. */
function lineOf(text: string, offset: number): string {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return ` at line ${line}`;
}

function parseJson(text: string): Parsed {
  try {
    return { value: JSON.parse(text) as unknown, problems: [] };
  } catch (error) {
    // V8 may quote the whole input in its message; drop the quote.
    const message = (error as Error).message
      .replace(/, (\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/\n/g, '\\n');
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : errorOffset(text);
    const where = offset === undefined ? '' : ` at ${lineColumn(text, offset)}`;
    return { problems: [{ path: '', message: `JSON syntax error${where}: ${message}` }] };
  }
}

/**
 * Offset of the character JSON.parse stumbled on, for messages that omit it (V8's
 * "Unexpected token"): every prefix shorter than it fails only for ending early, every longer
 * one fails on it, so a binary search finds it.
 */
function errorOffset(text: string): number | undefined {
  const endsEarly = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      return (
        /end of (JSON )?input/i.test(message) || (position !== null && Number(position[1]) >= n)
      );
    }
  };
  let low = 0; // endsEarly(low) holds
  let high = text.length; // endsEarly(high) does not
  if (endsEarly(high)) return undefined;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (endsEarly(middle)) low = middle;
    else high = middle;
  }
  return high - 1;
}

/** `line L, column C` (both from 1) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

function notAnObject(value: unknown, source: string): SourcedConfigProblem {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return {
    path: '',
    message: `must be an object (a mapping of options), got ${type}`,
    value,
    source,
  };
}

/**
 * Deep-merges `source` into `target`, recording which source last set each path: plain objects
 * merge key by key, anything else replaces what was there.
 */
function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  label: string,
  origin: Map<string, string>,
  at: string[],
  copies = new Map<object, unknown>(),
): void {
  for (const [key, value] of Object.entries(source)) {
    const segments = [...at, key];
    origin.set(segments.join('.'), label);
    const current = getOwn(target, key);
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(current, value, label, origin, segments, copies);
    } else if (isPlainObject(value)) {
      const child: Record<string, unknown> = {};
      setOwn(target, key, child);
      mergeInto(child, value, label, origin, segments, copies);
    } else {
      // One copy per source value, however many keys alias it.
      setOwn(target, key, cloneData(value, copies));
    }
  }
}

interface Origin {
  source: string;
  /** The path the source set: the problem's own, or an ancestor of it. */
  path: string;
}

/** The source that set `problemPath` or its closest ancestor. */
function originOf(problemPath: string, origin: Map<string, string>): Origin | undefined {
  // `handleSignals[0]` belongs to `handleSignals`.
  let segments = withoutIndexes(problemPath).split('.').filter(Boolean);
  while (segments.length > 0) {
    const source = origin.get(segments.join('.'));
    if (source !== undefined) return { source, path: segments.join('.') };
    segments = segments.slice(0, -1);
  }
  return undefined;
}

function sourceNote(from: Origin | undefined, problemPath: string): string {
  if (from === undefined) return '';
  if (from.source === ENVIRONMENT_SOURCE) {
    // Name the variable when one set exactly this option.
    return from.path === withoutIndexes(problemPath)
      ? ` (from ${envVarName(from.path)})`
      : ` (in ${ENVIRONMENT_SOURCE})`;
  }
  return ` (in ${from.source})`;
}

function withoutIndexes(dottedPath: string): string {
  return dottedPath.replace(/\[\d+\]/g, '');
}
