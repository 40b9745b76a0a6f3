import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import type { FromSchema } from 'json-schema-to-ts';
import { POOL_CONFIG_SCHEMA } from './pool-config-schema';

export { POOL_CONFIG_SCHEMA } from './pool-config-schema';

/*
 * Why two copies of the schema, and why that is still one source of truth:
 *
 * config/schema.json is what runs: `poolConfigSchema` below is read from it at load time, so
 * the shipped file, the validators and the docs cannot disagree. TypeScript, however, cannot
 * derive literal types from a JSON file (`resolveJsonModule` widens every string), so the type
 * `PoolConfig` is computed by json-schema-to-ts `FromSchema` from `POOL_CONFIG_SCHEMA`, an
 * `as const` copy in pool-config-schema.ts. spec/config/schema.spec.ts asserts that this copy deep-equals
 * config/schema.json, so an edit to one without the other fails the build's tests; nothing
 * else in the code base restates a default or a limit. To change the schema, edit the constant,
 * then regenerate the file:
 *
 *   npx ts-node -T -e "require('fs').writeFileSync('config/schema.json', JSON.stringify(
 *     require('./lib/config/schema').POOL_CONFIG_SCHEMA, null, 2) + '\n')" &&
 *   npx prettier --write config/schema.json
 */

/**
 * Drops ajv `{ $data }` limits (cross-field checks such as `min <= max`): they are not plain
 * JSON Schema, and json-schema-to-ts would not turn a numeric limit into a type anyway.
 */
type WithoutData<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T as T[K] extends { readonly $data: string } ? never : K]: WithoutData<T[K]> }
    : T;

type TypedSchema = WithoutData<typeof POOL_CONFIG_SCHEMA>;

/**
 * A validated pool configuration, defaults applied: the type of `loadConfig()`'s result.
 *
 * Derived from the schema by json-schema-to-ts, so it cannot drift from it.
 *
 * ## Example
 * ```ts
 * import { loadConfig, type PoolConfig } from 'rxjs-worker-pool';
 * const config: PoolConfig = loadConfig({ file: 'pool.yaml' });
 * console.log(config.retry.maxAttempts);
 * // Output:
 * // 3
 * ```
 */
export type PoolConfig = FromSchema<TypedSchema>;

/**
 * A pool configuration as written by a user (file, overrides): every defaulted key optional.
 *
 * ## Example
 * ```ts
 * import { loadConfig, type PoolConfigInput } from 'rxjs-worker-pool';
 * const overrides: PoolConfigInput = { queue: { capacity: 100 } };
 * loadConfig({ overrides });
 * ```
 */
export type PoolConfigInput = FromSchema<TypedSchema, { keepDefaultedPropertiesOptional: true }>;

/**
 * A JSON Schema node as found in config/schema.json (the subset this package uses).
 *
 * ## Example
 * ```ts
 * import { poolConfigSchema, type SchemaNode } from 'rxjs-worker-pool';
 * const queue: SchemaNode | undefined = poolConfigSchema.properties?.queue;
 * console.log(queue?.additionalProperties);
 * // Output:
 * // false
 * ```
 */
export interface SchemaNode {
  description?: string;
  type?: string | string[];
  enum?: readonly unknown[];
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: readonly string[];
  additionalProperties?: boolean;
  [keyword: string]: unknown;
}

/**
 * Absolute path of config/schema.json: two levels up from lib/config or dist/config.
 *
 * ## Example
 * ```ts
 * import { SCHEMA_PATH } from 'rxjs-worker-pool';
 * console.log(SCHEMA_PATH.endsWith('config/schema.json'));
 * // Output:
 * // true
 * ```
 */
export const SCHEMA_PATH = path.join(__dirname, '../../config/schema.json');

/**
 * The pool configuration schema, read from config/schema.json.
 *
 * ## Example
 * ```ts
 * import { poolConfigSchema } from 'rxjs-worker-pool';
 * console.log(poolConfigSchema.properties?.retry.description);
 * // Output:
 * // How failed attempts are retried.
 * ```
 */
export const poolConfigSchema: SchemaNode = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));

/**
 * A validator generated ahead of time by scripts/build-validators.js (ajv's standalone mode,
 * with allErrors, $data, union types and strict on), loaded on its first call: the package
 * compiles no schema at run time, so importing it and building a pool stay cheap.
 */
function generatedValidator(load: () => ValidateFunction): ValidateFunction {
  let validate: ValidateFunction | undefined;
  const forward = ((data: unknown) => {
    validate ??= load();
    const valid = validate(data);
    forward.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  return forward;
}

/**
 * Ajv validator of config/schema.json that fills in defaults (mutates its argument).
 *
 * ## Example
 * ```ts
 * import { validatePoolConfigWithDefaults } from './schema'; // internal: lib/config/
 * const data = { queue: { capacity: 10 } };
 * validatePoolConfigWithDefaults(data);
 * console.log(data.queue);
 * // Output:
 * // { capacity: 10, overflow: 'reject' }
 * ```
 */
export const validatePoolConfigWithDefaults: ValidateFunction = generatedValidator(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated, loaded lazily
  () => require('./generated/validate-pool-config-with-defaults') as ValidateFunction,
);

/**
 * Ajv validator of config/schema.json that leaves its argument untouched.
 *
 * ## Example
 * ```ts
 * import { validatePoolConfig } from './schema'; // internal: lib/config/
 * console.log(validatePoolConfig({ queue: { capacity: 0 } }));
 * // Output:
 * // false
 * ```
 */
export const validatePoolConfig: ValidateFunction = generatedValidator(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated, loaded lazily
  () => require('./generated/validate-pool-config') as ValidateFunction,
);
