import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARE_ENV, type ResourceLimits } from 'node:worker_threads';
import {
  ConfigError,
  checkDuration,
  checkNumber,
  unknownNameMessage,
  describeValue,
  type ConfigProblem,
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
}

const OPTION_KEYS = [
  'filename',
  'name',
  'threads',
  'idleTimeoutMs',
  'resourceLimits',
  'env',
  'argv',
  'execArgv',
  'workerData',
];
const RESOURCE_LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
];
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
}

export function checkThreadOptions(options: ThreadHandlerOptions): ThreadSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `Expected threadHandler() options to be an object, got ${describeValue(options)}`,
    );
  }
  const problems: ConfigProblem[] = [];
  const check = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // "Expected `x` to be ..., got ..." becomes the problem "x: must be ..., got ...".
      const match = /^Expected `([^`]+)` to be (.*)$/s.exec(message);
      problems.push(
        match ? { path: match[1], message: `must be ${match[2]}` } : { path: '', message },
      );
      return undefined;
    }
  };
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      problems.push({ path: key, message: unknownNameMessage(key, OPTION_KEYS) });
    }
  }

  const filename = check(() => workerFile(options.filename));
  let tsNode: ThreadSettings['tsNode'];
  if (filename !== undefined && TS_FILE.test(filename)) {
    tsNode = check(() => tsNodeFor(filename));
  }
  const name = options.name;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    problems.push({
      path: 'name',
      message: `must be a non-empty string, got ${describeValue(name)}`,
      value: name,
    });
  }

  const threads = options.threads ?? {};
  if (threads === null || typeof threads !== 'object') {
    problems.push({ path: 'threads', message: `must be an object, got ${describeValue(threads)}` });
  }
  const { min: givenMin, max: givenMax } = threads ?? {};
  const min =
    givenMin === undefined
      ? 1
      : check(() => checkNumber(givenMin, 'threads.min', { min: 0, integer: true }));
  const max =
    givenMax === undefined
      ? Math.max(min ?? 1, availableParallelism())
      : check(() => checkNumber(givenMax, 'threads.max', { min: 1, integer: true }));
  if (min !== undefined && max !== undefined && givenMax !== undefined && min > max) {
    problems.push({
      path: 'threads.min',
      message: `must be at most threads.max (${max}), got ${min}`,
      value: min,
    });
  }
  const idleTimeoutMs =
    options.idleTimeoutMs === undefined
      ? 30_000
      : check(() => checkDuration(options.idleTimeoutMs, 'idleTimeoutMs', { infinite: true }));

  const limits = options.resourceLimits;
  if (limits !== undefined) {
    if (limits === null || typeof limits !== 'object') {
      problems.push({
        path: 'resourceLimits',
        message: `must be an object, got ${describeValue(limits)}`,
      });
    } else {
      for (const [key, value] of Object.entries(limits)) {
        if (!RESOURCE_LIMIT_KEYS.includes(key)) {
          problems.push({
            path: `resourceLimits.${key}`,
            message: `is not a resource limit; expected one of ${RESOURCE_LIMIT_KEYS.join(', ')}`,
          });
        } else {
          check(() => checkNumber(value, `resourceLimits.${key}`, { min: 0, exclusiveMin: true }));
        }
      }
    }
  }
  const { env, argv, execArgv, workerData } = options;
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
  for (const [path, list] of [
    ['argv', argv],
    ['execArgv', execArgv],
  ] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((a) => typeof a !== 'string'))) {
      problems.push({ path, message: `must be an array of strings, got ${describeValue(list)}` });
    }
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
  return {
    env,
    argv,
    execArgv,
    workerData,
    filename: filename as string,
    name,
    min: min as number,
    max: max as number,
    idleTimeoutMs: idleTimeoutMs as number,
    resourceLimits: limits,
    tsNode,
  };
}

/** An absolute path to an existing file, from a path (against the working directory) or URL. */
function workerFile(filename: unknown): string {
  let file: string;
  if (filename instanceof URL) file = fileURLToPath(filename);
  else if (typeof filename === 'string' && filename !== '') {
    file = filename.startsWith('file:') ? fileURLToPath(filename) : path.resolve(filename);
  } else {
    throw new TypeError(
      `Expected \`filename\` to be a path or a file: URL, got ${describeValue(filename)}`,
    );
  }
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new TypeError(`Expected \`filename\` to be an existing file, got ${file}`);
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
      `Expected \`filename\` to be JavaScript, or TypeScript with ts-node installed (npm install --save-dev ts-node), got ${file}`,
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
