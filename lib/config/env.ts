import type { ConfigProblem } from '../errors/config-error';
import { article } from './config-internals';
import { showValue } from '../options/describe-value';
import { unknownNameMessage } from '../options/closest-name';
import { poolConfigSchema, type SchemaNode } from './schema';
import { UNBOUNDED_OPTIONS } from './validate';

/** Unknown variables listed one by one; the rest are counted in one line. */
const MAX_UNKNOWN_LISTED = 20;
/** Where "no limit" is `Infinity`: the variable takes the word too. */
const UNBOUNDED_PATHS = new Set(UNBOUNDED_OPTIONS.map((path) => path.join('.')));

/**
 * Prefix of every environment variable read by {@link configFromEnv}.
 *
 * ## Example
 * ```ts
 * import { ENV_PREFIX } from 'rxjs-worker-pool';
 * console.log(ENV_PREFIX);
 * // Output:
 * // WORKER_POOL_
 * ```
 */
export const ENV_PREFIX = 'WORKER_POOL_';

/**
 * One environment variable and the option it sets.
 *
 * ## Example
 * ```ts
 * import { envVariables, type EnvVariable } from 'rxjs-worker-pool';
 * const v: EnvVariable | undefined = envVariables().find((e) => e.name === 'WORKER_POOL_QUEUE_CAPACITY');
 * console.log(v?.path, v?.types);
 * // Output:
 * // [ 'queue', 'capacity' ] [ 'integer' ]
 * ```
 */
export interface EnvVariable {
  /** e.g. `WORKER_POOL_RETRY_MAX_ATTEMPTS`. */
  name: string;
  /** The option's path as segments, e.g. `['retry', 'maxAttempts']`. */
  path: string[];
  /** The non-object JSON types the option takes, e.g. `['integer']`. */
  types: string[];
  /** The option's schema node (enum, items...). */
  schema: SchemaNode;
}

/**
 * The environment variable of an option path: `WORKER_POOL_` and each segment in UPPER_SNAKE_CASE.
 *
 * ## Example
 * ```ts
 * import { envVarName } from 'rxjs-worker-pool';
 * console.log(envVarName('retry.backoff.initialMs'));
 * // Output:
 * // WORKER_POOL_RETRY_BACKOFF_INITIAL_MS
 * ```
 *
 * @param path A dotted option path or its segments.
 */
export function envVarName(path: string | readonly string[]): string {
  const segments = typeof path === 'string' ? path.split('.') : path;
  return ENV_PREFIX + segments.map(upperSnake).join('_');
}

function upperSnake(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

let table: Map<string, EnvVariable> | undefined;

/**
 * Every environment variable the pool reads, derived by walking config/schema.json.
 *
 * An option that is a scalar or an object (`concurrency`, `concurrency.autoscale`) has a
 * variable of its own and one per property.
 *
 * ## Example
 * ```ts
 * import { envVariables } from 'rxjs-worker-pool';
 * console.log(envVariables().map((v) => v.name).slice(0, 3));
 * // Output:
 * // [ 'WORKER_POOL_CONCURRENCY', 'WORKER_POOL_CONCURRENCY_MIN', 'WORKER_POOL_CONCURRENCY_MAX' ]
 * ```
 */
export function envVariables(): EnvVariable[] {
  table ??= buildTable();
  return [...table.values()];
}

function buildTable(): Map<string, EnvVariable> {
  const out = new Map<string, EnvVariable>();
  const walk = (node: SchemaNode, path: string[]): void => {
    const types = ([] as string[]).concat(node.type ?? []);
    const scalarTypes = types.filter((t) => t !== 'object');
    if (path.length > 0 && scalarTypes.length > 0) {
      const name = envVarName(path);
      // Two paths must never share a variable; a schema edit that did so must fail loudly.
      if (out.has(name)) throw new Error(`${name} would name two options`);
      out.set(name, { name, path, types: scalarTypes, schema: node });
    }
    if (types.includes('object')) {
      for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key]);
    }
  };
  walk(poolConfigSchema, []);
  return out;
}

/**
 * What {@link configFromEnv} found: a partial configuration and the problems met.
 *
 * ## Example
 * ```ts
 * import { configFromEnv, type EnvConfig } from 'rxjs-worker-pool';
 * const { problems }: EnvConfig = configFromEnv({ WORKER_POOL_TIMEOUT_MS: 'soon' });
 * console.log(problems[0].message);
 * // Output:
 * // must be a number, got "soon" (from WORKER_POOL_TIMEOUT_MS)
 * ```
 */
export interface EnvConfig {
  /** A nested partial configuration, not yet validated against the schema. */
  config: Record<string, unknown>;
  /** Unknown variables and values that could not be coerced; each names its variable. */
  problems: ConfigProblem[];
}

/**
 * Reads `WORKER_POOL_*` variables into a partial configuration, coercing each per the schema.
 *
 * `queue.capacity` ↔ `WORKER_POOL_QUEUE_CAPACITY`, `retry.backoff.strategy` ↔
 * `WORKER_POOL_RETRY_BACKOFF_STRATEGY`, `concurrency` (a number) ↔ `WORKER_POOL_CONCURRENCY`,
 * `concurrency.max` ↔ `WORKER_POOL_CONCURRENCY_MAX`. Integers and numbers are parsed, booleans
 * are `true`/`false`/`1`/`0`, enums match case-insensitively, lists (`handleSignals`) are
 * comma-separated. Empty variables are ignored. An unknown `WORKER_POOL_*` variable is a problem.
 *
 * ## Example
 * ```ts
 * import { configFromEnv } from 'rxjs-worker-pool';
 * const { config, problems } = configFromEnv({
 *   WORKER_POOL_QUEUE_CAPACITY: '5000',
 *   WORKER_POOL_RETRY_BACKOFF_STRATEGY: 'linear',
 * });
 * console.log(config, problems);
 * // Output:
 * // { queue: { capacity: 5000 }, retry: { backoff: { strategy: 'linear' } } } []
 * ```
 *
 * @param env The environment, usually `process.env`.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): EnvConfig {
  envVariables();
  const known = table as Map<string, EnvVariable>;
  const config: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const scalarsSet = new Map<string, string>(); // dotted path → variable, for conflict checks
  let unknown = 0;

  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const variable = known.get(name);
    if (!variable) {
      // Listed up to a bound: 20,000 stray variables are one problem, not 20,000 look-ups.
      if (++unknown > MAX_UNKNOWN_LISTED) continue;
      // Every name shares the prefix: compare what follows it.
      problems.push({
        path: shortName(name),
        message: unknownNameMessage(name.slice(ENV_PREFIX.length), suffixes(), {
          noun: 'environment variable',
          prefix: ENV_PREFIX,
        }),
        value: raw,
      });
      continue;
    }
    const coerced = coerceVariable(raw.trim(), variable);
    if (!coerced.ok) {
      problems.push({
        path: variable.path.join('.'),
        message: `must be ${coerced.expected}, got ${showValue(raw)} (from ${name})`,
        value: raw,
      });
      continue;
    }
    scalarsSet.set(variable.path.join('.'), name);
    setAt(config, variable.path, coerced.value);
  }

  if (unknown > MAX_UNKNOWN_LISTED) {
    problems.push({
      path: `${ENV_PREFIX}*`,
      message: `${unknown - MAX_UNKNOWN_LISTED} more unknown environment variables (${unknown} in all)`,
    });
  }

  // `concurrency` is an integer or a range, `autoscale` a boolean or settings: a scalar and
  // properties of the same option cannot both be set, except `true` with settings (settings
  // imply enabled).
  for (const [path, name] of scalarsSet) {
    const segments = path.split('.');
    const value = coercedAt(env, path);
    const children = [...scalarsSet.keys()].filter((p) => p.startsWith(`${path}.`));
    if (children.length === 0) continue;
    if (value === true) {
      deleteAt(config, segments);
      for (const child of children) setAt(config, child.split('.'), coercedAt(env, child));
      continue;
    }
    problems.push({
      path,
      message: `${name} cannot be combined with ${children.map((c) => scalarsSet.get(c)).join(', ')} (set either the value or its properties)`,
      value: env[name],
    });
  }
  return { config, problems };
}

let knownSuffixes: string[] | undefined;
/** Every known variable's name without {@link ENV_PREFIX}. */
function suffixes(): string[] {
  return (knownSuffixes ??= [...(table as Map<string, EnvVariable>).keys()].map((name) =>
    name.slice(ENV_PREFIX.length),
  ));
}

function coercedAt(env: NodeJS.ProcessEnv, dottedPath: string): unknown {
  const variable = (table as Map<string, EnvVariable>).get(envVarName(dottedPath)) as EnvVariable;
  const result = coerceVariable((env[variable.name] ?? '').trim(), variable);
  return result.ok ? result.value : undefined;
}

/** A variable's value: `Infinity` where the option takes it, else as its schema types say. */
function coerceVariable(raw: string, variable: EnvVariable): Coerced {
  const unbounded = UNBOUNDED_PATHS.has(variable.path.join('.'));
  if (unbounded && raw.toLowerCase() === 'infinity') return { ok: true, value: Infinity };
  const coerced = coerce(raw, variable.types, variable.schema);
  if (coerced.ok) return coerced;
  const tooLarge = /^[+-]?\d+$/.test(raw) && variable.types.includes('integer');
  const expected = tooLarge
    ? `an integer of at most ${Number.MAX_SAFE_INTEGER} in size`
    : coerced.expected;
  return { ok: false, expected: unbounded ? `${expected} or Infinity` : expected };
}

/** A variable's name as a message shows it: a 1 MB name keeps its start and its length. */
function shortName(name: string): string {
  return name.length > 100 ? `${name.slice(0, 80)}... (${name.length} characters)` : name;
}

type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

function coerce(raw: string, types: string[], schema: SchemaNode): Coerced {
  for (const type of types) {
    const value = coerceAs(raw, type, schema);
    if (value !== undefined) return { ok: true, value };
  }
  return { ok: false, expected: types.map((t) => expectation(t, schema)).join(' or ') };
}

function coerceAs(raw: string, type: string, schema: SchemaNode): unknown {
  switch (type) {
    case 'integer': {
      // 400 nines would parse as Infinity and 23 digits as 1e23: only exact integers pass.
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'number': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return undefined;
    }
    case 'string':
      return schema.enum ? matchEnum(raw, schema.enum) : raw;
    case 'array': {
      const items = raw.split(',').map((s) => s.trim());
      const itemSchema = schema.items ?? {};
      const itemTypes = ([] as string[]).concat(itemSchema.type ?? 'string');
      const out: unknown[] = [];
      for (const item of items) {
        const value = coerce(item, itemTypes, itemSchema);
        if (!value.ok) return undefined;
        out.push(value.value);
      }
      return out;
    }
    default:
      return undefined;
  }
}

function matchEnum(raw: string, allowed: readonly unknown[]): unknown {
  return allowed.find((a) => typeof a === 'string' && a.toLowerCase() === raw.toLowerCase());
}

function expectation(type: string, schema: SchemaNode): string {
  const list = (values: readonly unknown[]): string =>
    values.map((v) => JSON.stringify(v)).join(', ');
  if (type === 'boolean') return 'a boolean (true, false, 1 or 0)';
  if (type === 'string' && schema.enum) return `one of ${list(schema.enum)}`;
  if (type === 'array') {
    const items = schema.items?.enum ? ` of ${list(schema.items.enum)}` : '';
    return `a comma-separated list${items}`;
  }
  return article(type);
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function getAt(target: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = target;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function deleteAt(target: Record<string, unknown>, path: readonly string[]): void {
  const parent = getAt(target, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') {
    delete (parent as Record<string, unknown>)[path[path.length - 1]];
  }
}
