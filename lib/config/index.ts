/* Schema and types */
export {
  POOL_CONFIG_SCHEMA,
  poolConfigSchema,
  validatePoolConfig,
  validatePoolConfigWithDefaults,
  SCHEMA_PATH,
  type PoolConfig,
  type PoolConfigInput,
  type SchemaNode,
} from './schema';

/* Validation */
export {
  validateConfig,
  validateOptionsData,
  schemaDefaults,
  checkConfig,
  compileOptionsSchema,
  type ConfigCheck,
  type OptionsCheck,
} from './validate';

/* Environment */
export {
  configFromEnv,
  envVarName,
  envVariables,
  ENV_PREFIX,
  type EnvConfig,
  type EnvVariable,
} from './env';

/* Loading */
export {
  loadConfig,
  ENVIRONMENT_SOURCE,
  OVERRIDES_SOURCE,
  type LoadConfigOptions,
  type SourcedConfigProblem,
  type DeepPartial,
} from './load-config';
