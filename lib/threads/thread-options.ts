import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARE_ENV, type ResourceLimits } from 'node:worker_threads';
import {
  ConfigError,
  MAX_TIMER_MS,
  compileOptionsSchema,
  describeValue,
  type BatchOptions,
  type ConfigProblem,
  type OptionsCheck,
  type SchemaNode,
} from '../index';

/* threadHandler()'s options: their type, their checks, and the settings they resolve to. */

/**
 * Options of {@link threadHandler}.
 *
 * ## Example
 * ```ts
 * import type { ThreadHandlerOptions } from 'rxjs-worker-pool/threads';
 * const options: ThreadHandlerOptions = {
 *   filename: path.join(__dirname, 'resize.worker.js'),
 *   name: 'resize',
 *   threads: { min: 1, max: 4 },
 *   idleTimeoutMs: 30_000,
 *   resourceLimits: { maxOldGenerationSizeMb: 256 },
 * };
 * ```
 */
export interface ThreadHandlerOptions {
  /** The worker file (`.js`, `.cjs`, `.mjs`; `.ts` through ts-node), a path or `file:` URL. */
  filename: string | URL;
  /**
   * The export to call. Defaults to the default export (or `module.exports` itself). The
   * module, or the export, may be a Promise of it (set-up done once per thread, as in piscina).
   */
  name?: string;
  /** Threads kept alive (`min`, defaults to 1) and the most started (`max`, defaults to the CPUs). */
  threads?: { min?: number; max?: number };
  /** Threads above `min` idle this long are stopped, in ms. Defaults to 30,000. */
  idleTimeoutMs?: number;
  /** Heap and stack limits of each thread; a thread past them dies with `out-of-memory`. */
  resourceLimits?: ResourceLimits;
  /**
   * Each thread's `process.env`: an object of variables, or `SHARE_ENV` from
   * `node:worker_threads` to share the parent's. Defaults to a copy of the parent's.
   */
  env?: Record<string, string | undefined> | typeof SHARE_ENV;
  /** Appended to each thread's `process.argv`. Defaults to none. */
  argv?: string[];
  /** Node options of each thread (`--enable-source-maps`...). Defaults to the parent's. */
  execArgv?: string[];
  /**
   * What each thread reads as `workerData` from `node:worker_threads` (cloned, so it must be
   * structured-cloneable). Defaults to `undefined`.
   */
  workerData?: unknown;
  /**
   * Batches: one message per batch, and the worker function receives the array of inputs
   * (and `{ attempts, taskIds }`) and returns one output, or a `BatchItemFailure`, per input.
   * As `batchHandler`'s options. Defaults to none: one message per task.
   */
  batch?: BatchOptions;
}

const positiveMb = { type: 'number', exclusiveMinimum: 0 } as const;

/**
 * The JSON Schema of {@link ThreadHandlerOptions}: every default and limit of the options is
 * written here and read from here. What JSON cannot say (a `file:` URL, `SHARE_ENV`, a
 * cloneable `workerData`) is checked after it, in the same message template.
 */
const THREAD_OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    filename: {},
    name: { type: 'string', minLength: 1 },
    threads: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min: { type: 'integer', minimum: 0, maximum: { $data: '1/max' }, default: 1 },
        max: { type: 'integer', minimum: 1 },
      },
    },
    idleTimeoutMs: { type: 'number', minimum: 0, maximum: MAX_TIMER_MS, default: 30_000 },
    resourceLimits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxOldGenerationSizeMb: positiveMb,
        maxYoungGenerationSizeMb: positiveMb,
        codeRangeSizeMb: positiveMb,
        stackSizeMb: positiveMb,
      },
    },
    env: {},
    argv: { type: 'array', items: { type: 'string' } },
    execArgv: { type: 'array', items: { type: 'string' } },
    workerData: {},
    batch: {
      type: 'object',
      additionalProperties: false,
      required: ['maxSize'],
      properties: {
        maxSize: { type: 'integer', minimum: 1 },
        maxWaitMs: { type: 'number', minimum: 0, maximum: MAX_TIMER_MS },
      },
    },
  },
} as const;

const checkSchema = lazyCheck(THREAD_OPTIONS_SCHEMA, [['idleTimeoutMs']]);

/** Compiled on the first threadHandler(): a program that never makes one never loads ajv. */
function lazyCheck(schema: SchemaNode, unbounded: string[][]): OptionsCheck {
  let check: OptionsCheck | undefined;
  return (options) => (check ??= compileOptionsSchema(schema, unbounded))(options);
}

const TS_FILE = /\.[cm]?ts$/;

/** Options checked, with defaults applied: what the threads are started with. */
export interface ThreadSettings {
  filename: string;
  name: string | undefined;
  min: number;
  max: number;
  idleTimeoutMs: number;
  resourceLimits: ResourceLimits | undefined;
  tsNode: { path: string; options: Record<string, unknown> } | undefined;
  /** Passed to each thread as they are (env, argv, execArgv), or through thread-worker.js. */
  env: Record<string, string | undefined> | typeof SHARE_ENV | undefined;
  argv: string[] | undefined;
  execArgv: string[] | undefined;
  workerData: unknown;
  batch: BatchOptions | undefined;
}

export function checkThreadOptions(options: ThreadHandlerOptions): ThreadSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `Expected threadHandler() options to be an object, got ${describeValue(options)}`,
    );
  }
  const problems: ConfigProblem[] = checkSchema(options);
  const check = <T>(path: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push({ path, message });
      return undefined;
    }
  };
  const filename = check('filename', () => workerFile(options.filename));
  let tsNode: ThreadSettings['tsNode'];
  if (filename !== undefined && TS_FILE.test(filename)) {
    tsNode = check('filename', () => tsNodeFor(filename));
  }
  const { env, workerData } = options;
  if (
    env !== undefined &&
    env !== SHARE_ENV &&
    (env === null ||
      typeof env !== 'object' ||
      Object.values(env).some((v) => v !== undefined && typeof v !== 'string'))
  ) {
    problems.push({
      path: 'env',
      message: `must be an object of string variables or SHARE_ENV, got ${describeValue(env)}`,
    });
  }
  if (workerData !== undefined) {
    try {
      structuredClone(workerData);
    } catch (error) {
      problems.push({
        path: 'workerData',
        message: `must be structured-cloneable: ${(error as Error).message}`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, 'threadHandler');
  const defaults = THREAD_OPTIONS_SCHEMA.properties;
  const min = options.threads?.min ?? defaults.threads.properties.min.default;
  return {
    env,
    argv: options.argv,
    execArgv: options.execArgv,
    workerData,
    filename: filename as string,
    name: options.name,
    min,
    max: options.threads?.max ?? Math.max(min, availableParallelism()),
    idleTimeoutMs: options.idleTimeoutMs ?? defaults.idleTimeoutMs.default,
    resourceLimits: options.resourceLimits,
    tsNode,
    batch: options.batch,
  };
}

/** An absolute path to an existing file, from a path (against the working directory) or URL. */
function workerFile(filename: unknown): string {
  let file: string;
  if (filename instanceof URL) file = fileURLToPath(filename);
  else if (typeof filename === 'string' && filename !== '') {
    file = filename.startsWith('file:') ? fileURLToPath(filename) : path.resolve(filename);
  } else {
    throw new TypeError(`must be a path or a file: URL, got ${describeValue(filename)}`);
  }
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new TypeError(`must be an existing file, got ${file}`);
  return file;
}

/** The settings a thread needs to load a TypeScript file as this process does. */
function tsNodeFor(file: string): ThreadSettings['tsNode'] {
  let tsNodePath: string | undefined;
  try {
    tsNodePath = require.resolve('ts-node', { paths: [path.dirname(file), process.cwd()] });
  } catch {
    tsNodePath = undefined;
  }
  if (tsNodePath === undefined) {
    // Another loader the threads inherit through execArgv (tsx, Node's type stripping) will do.
    if (otherTypeScriptLoader()) return undefined;
    throw new TypeError(
      `must be JavaScript, or TypeScript with ts-node installed (npm install --save-dev ts-node), got ${file}`,
    );
  }
  // The parent's own ts-node settings (`ts-node --transpile-only`, mocha's
  // ts-node/register/transpile-only); TS_NODE_* variables reach the thread's ts-node anyway.
  const instance = (process as unknown as Record<symbol, { options?: Record<string, unknown> }>)[
    Symbol.for('ts-node.register.instance')
  ];
  const parent = instance?.options ?? {};
  const options: Record<string, unknown> = {};
  for (const key of [
    'transpileOnly',
    'typeCheck',
    'project',
    'compilerOptions',
    'swc',
    'compiler',
    'files',
  ]) {
    if (parent[key] !== undefined) options[key] = structuredCloneable(parent[key]);
  }
  return { path: tsNodePath, options };
}

function structuredCloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

function otherTypeScriptLoader(): boolean {
  const features = process.features as { typescript?: unknown };
  return (
    Boolean(features.typescript) ||
    process.execArgv.some((arg) => /tsx|strip-types|transform-types/.test(arg))
  );
}
