import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError, type ConfigProblem } from '../errors/config-error';
import { article, cloneData, isPlainObject, shapeProblem } from './config-internals';
import { showValue, typeOf } from '../options/describe-value';
import { unknownNameMessage } from '../options/closest-name';
import {
  poolConfigSchema,
  validatePoolConfig,
  validatePoolConfigWithDefaults,
  type PoolConfig,
  type SchemaNode,
} from './schema';

/**
 * The outcome of {@link checkConfig}: the (possibly defaulted) copy and every problem found.
 *
 * ## Example
 * ```ts
 * import { checkConfig, type ConfigCheck } from 'rxjs-worker-pool';
 * const check: ConfigCheck = checkConfig({ timeoutMs: 0 });
 * console.log(check.problems.length);
 * // Output:
 * // 1
 * ```
 */
export interface ConfigCheck {
  /** A deep copy of the input, with defaults filled in when asked for. */
  config: unknown;
  /** Empty when the input is valid. */
  problems: ConfigProblem[];
}

/**
 * Validates `data` against config/schema.json without throwing; never mutates `data`.
 *
 * ## Example
 * ```ts
 * import { checkConfig } from 'rxjs-worker-pool';
 * const { problems } = checkConfig({ queue: { capacity: 0 } }, { useDefaults: true });
 * console.log(problems.map((p) => `${p.path}: ${p.message}`));
 * // Output:
 * // [ 'queue.capacity: must be >= 1, got 0' ]
 * ```
 *
 * @param data The candidate configuration.
 * @param options `useDefaults: true` fills in the schema's defaults in the returned copy.
 * @return The copy and the problems, each with a dotted path, a message and the value.
 */
export function checkConfig(data: unknown, options: { useDefaults?: boolean } = {}): ConfigCheck {
  // Nothing recursive (the clone, ajv) touches a cycle or a 100,000-deep nesting.
  const shape = shapeProblem(data);
  if (shape !== undefined) return { config: undefined, problems: [shape] };
  const config = cloneData(data);
  const validator: ValidateFunction = options.useDefaults
    ? validatePoolConfigWithDefaults
    : validatePoolConfig;
  // JSON cannot say Infinity: where it means "no limit" it is taken out for the schema (which
  // then sees the option as unset) and put back after.
  const unbounded = UNBOUNDED_OPTIONS.filter((path) => valueAt(config, path) === Infinity);
  for (const path of unbounded) setAt(config, path, undefined);
  const valid = validator(config);
  for (const path of unbounded) setAt(config, path, Infinity);
  if (valid) return { config, problems: [] };
  return { config, problems: toProblems(validator.errors ?? [], config, poolConfigSchema) };
}

/**
 * The options where `Infinity` is accepted and means "no limit" (the contract: durations up to
 * 2^31-1 ms, or Infinity where none makes sense).
 */
export const UNBOUNDED_OPTIONS: readonly (readonly string[])[] = [
  ['concurrency'],
  ['concurrency', 'max'],
  ['queue', 'capacity'],
  ['queue', 'agingMs'],
  ['keys', 'concurrency'],
  ['timeoutMs'],
  ['abortGraceMs'],
  ['shutdown', 'timeoutMs'],
  ['shutdown', 'cleanupTimeoutMs'],
];

/** Sets (or with `undefined`, deletes) the value at `segments` when its parent object exists. */
function setAt(root: unknown, segments: readonly string[], value: unknown): void {
  const parent = valueAt(root, segments.slice(0, -1));
  if (!isPlainObject(parent)) return;
  const key = segments[segments.length - 1];
  if (value === undefined) delete parent[key];
  else parent[key] = value;
}

/**
 * Validates a configuration and returns a copy with every default applied.
 *
 * ## Example
 * ```ts
 * import { validateConfig } from 'rxjs-worker-pool';
 * const config = validateConfig({ retry: { maxAttempts: 5 } });
 * console.log(config.retry);
 * // Output:
 * // { maxAttempts: 5, backoff: { strategy: 'exponential', initialMs: 100, maxMs: 30000, factor: 2, jitter: 'full' } }
 * validateConfig({ retry: { backof: {} } });
 * // throws ConfigError: retry.backof: unknown key (did you mean backoff?)
 * ```
 *
 * @param data The candidate configuration (not mutated).
 * @param source Where it came from (a file path, `overrides`...), named in the error.
 * @return The validated configuration, defaults applied.
 * @throws ConfigError listing every problem.
 */
export function validateConfig(data: unknown, source?: string): PoolConfig {
  const { config, problems } = checkConfig(data, { useDefaults: true });
  if (problems.length > 0) throw new ConfigError(problems, source);
  return config as PoolConfig;
}

/**
 * Validates the plain-data keys of `WorkerPoolOptions` with the same schema, filling no default.
 *
 * The caller strips what is not plain data (the handler, a `logger`, a `scheduler`, an
 * `Observable` concurrency, a `Backoff` instance, `retryIf`) before calling it.
 *
 * ## Example
 * ```ts
 * import { validateOptionsData } from './validate'; // internal: lib/config/
 * validateOptionsData({ concurrency: 4, queue: { capacity: 100 } }); // fine
 * validateOptionsData({ concurrency: 0 });
 * // throws ConfigError: Invalid configuration in options: concurrency: must be >= 1, got 0
 * ```
 *
 * @param data The plain-data options.
 * @param source Named in the error. Defaults to `'options'`.
 * @throws ConfigError listing every problem.
 */
export function validateOptionsData(data: unknown, source = 'options'): void {
  const { problems } = checkConfig(data, { useDefaults: false });
  if (problems.length > 0) throw new ConfigError(problems, source);
}

/**
 * The configuration an empty object validates to: every default of config/schema.json.
 *
 * ## Example
 * ```ts
 * import { schemaDefaults } from 'rxjs-worker-pool';
 * console.log(schemaDefaults().shutdown);
 * // Output:
 * // { timeoutMs: 30000, cleanupTimeoutMs: 5000, handleSignals: false }
 * ```
 */
export function schemaDefaults(): PoolConfig {
  return validateConfig({});
}

function toProblems(errors: ErrorObject[], root: unknown, schema: SchemaNode): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const problem = toProblem(error, root, schema);
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(error: ErrorObject, root: unknown, schema: SchemaNode): ConfigProblem {
  const segments = pointerSegments(error.instancePath);
  const value = valueAt(root, segments);
  const path = dotted(segments);
  // Only the messages that quote the value make it: stringifying a large root once per problem
  // made thousands of unknown keys quadratic.
  const got = (): string => `got ${showValue(value)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(
        schemaAt(schema, parentSchemaPath(error.schemaPath)).properties ?? {},
      );
      return {
        path: dotted([...segments, key]),
        message: unknownNameMessage(key, known),
        value: valueAt(value, [key]),
      };
    }
    case 'required':
      return {
        path: dotted([...segments, String(params.missingProperty)]),
        message: 'is required',
      };
    case 'type': {
      const types = ([] as string[]).concat(params.type as string | string[]);
      // ajv refuses Infinity and NaN as numbers; "must be a number, got Infinity" would contradict itself.
      if (
        typeof value === 'number' &&
        !Number.isFinite(value) &&
        types.some((t) => t === 'number' || t === 'integer')
      ) {
        return {
          path,
          message: `must be a finite number (Infinity means "no limit" only where an option says so), got ${value}`,
          value,
        };
      }
      return {
        path,
        message: `must be ${types.map(article).join(' or ')}, got ${showValue(value)} (${typeOf(value)})`,
        value,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `must be one of ${allowed}, ${got()}`, value };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      // A limit written as {$data: '1/max'} names the sibling it comes from.
      const limitSchema = schemaAt(schema, error.schemaPath) as unknown;
      const ref =
        isPlainObject(limitSchema) && typeof limitSchema.$data === 'string'
          ? `${dotted([...segments.slice(0, -1), limitSchema.$data.split('/').pop() ?? ''])} (${String(params.limit)})`
          : String(params.limit);
      return { path, message: `must be ${String(params.comparison)} ${ref}, ${got()}`, value };
    }
    case 'minLength': {
      const limit = Number(params.limit);
      const what = limit === 1 ? 'a non-empty string' : `at least ${limit} characters long`;
      return { path, message: `must be ${what}, ${got()}`, value };
    }
    case 'uniqueItems':
      return { path, message: `must not list the same item twice, ${got()}`, value };
    default:
      return { path, message: `${error.message ?? 'is invalid'}, ${got()}`, value };
  }
}

/** `/retry/backoff` → `['retry', 'backoff']`, undoing JSON Pointer escapes. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `['handleSignals', '0']` → `handleSignals[0]`; `['queue', 'capacity']` → `queue.capacity`. */
function dotted(segments: string[]): string {
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** The schema node at a `#/properties/...` path of `schema`. */
function schemaAt(schema: SchemaNode, schemaPath: string): SchemaNode {
  let node: unknown = schema;
  for (const segment of pointerSegments(schemaPath.replace(/^#/, ''))) {
    node =
      isPlainObject(node) || Array.isArray(node)
        ? (node as Record<string, unknown>)[segment]
        : undefined;
  }
  return (node ?? {}) as SchemaNode;
}

function parentSchemaPath(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.lastIndexOf('/'));
}

/**
 * Checks options against a schema and returns the problems (none when they are fine); see
 * {@link compileOptionsSchema}.
 *
 * ## Example
 * ```ts
 * import { ConfigError, compileOptionsSchema, type OptionsCheck } from 'rxjs-worker-pool';
 * const check: OptionsCheck = compileOptionsSchema({ type: 'object', properties: { size: { type: 'integer' } } });
 * const problems = check({ size: 1.5 });
 * if (problems.length > 0) throw new ConfigError(problems, 'myIntegration');
 * ```
 */
export type OptionsCheck = (options: unknown) => ConfigProblem[];

/**
 * Compiles the JSON Schema of an integration's options with ajv into a check that reports
 * problems exactly as the pool's config does (`threads.min: must be >= 0, got -1`, `unknown
 * key (did you mean ...?)`), so that every option error of the library reads the same.
 * `unbounded` lists the option paths where `Infinity` means "no limit" (JSON Schema has no
 * Infinity). The options are not mutated; ajv loads on the first compile.
 *
 * ## Example
 * ```ts
 * import { ConfigError, compileOptionsSchema, type SchemaNode } from 'rxjs-worker-pool';
 * const schema: SchemaNode = {
 *   type: 'object',
 *   additionalProperties: false,
 *   properties: { batchSize: { type: 'integer', minimum: 1 } },
 * };
 * const check = compileOptionsSchema(schema);
 * const problems = check({ batchSize: 0 });
 * if (problems.length > 0) throw new ConfigError(problems, 'myIntegration');
 * // ConfigError: Invalid configuration in myIntegration: batchSize: must be >= 1, got 0
 * ```
 */
export function compileOptionsSchema(
  schema: SchemaNode,
  unbounded: readonly (readonly string[])[] = [],
): OptionsCheck {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first integration
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  const validate = new Ajv({
    allErrors: true,
    strict: false,
    strictNumbers: true,
    $data: true,
  }).compile(schema);
  // No shape check here, unlike a config file: ajv descends only where the schema describes,
  // and options such as workerData may nest deeply or hold cycles by right.
  return (options) => {
    // Infinity is taken out of a copy of the path to it, and the schema sees the option unset.
    let data = options;
    for (const path of unbounded) {
      if (valueAt(data, path) === Infinity) data = withoutAt(data, path);
    }
    if (validate(data)) return [];
    return toProblems(validate.errors ?? [], data, schema);
  };
}

/** `root` with the value at `segments` removed, copying only the objects on the way. */
function withoutAt(root: unknown, segments: readonly string[]): unknown {
  if (!isPlainObject(root) || segments.length === 0) return root;
  const [head, ...rest] = segments;
  const copy: Record<string, unknown> = { ...root };
  if (rest.length === 0) delete copy[head];
  else copy[head] = withoutAt(root[head], rest);
  return copy;
}
