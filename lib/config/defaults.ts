import { poolConfigSchema, type SchemaNode } from './schema';

/**
 * The default of the option at `path` (`'retry.backoff.initialMs'`) in config/schema.json, the
 * one place where defaults are written. Throws at load time if the schema has none, so a
 * renamed option cannot leave a caller with `undefined`.
 */
function schemaDefault(path: string): unknown {
  let node: SchemaNode | undefined = poolConfigSchema;
  for (const key of path.split('.')) {
    node = node?.properties?.[key];
  }
  if (node === undefined || !('default' in node)) {
    throw new Error(`config/schema.json has no default for ${path}`);
  }
  return node.default;
}

function numberDefault(path: string): number {
  const value = schemaDefault(path);
  if (typeof value !== 'number')
    throw new Error(`config/schema.json: ${path} defaults to a non-number`);
  return value;
}

/**
 * Defaults and limits as config/schema.json has them, read once at load, for every part that
 * applies one in code (options given to constructors directly never pass through ajv).
 * logging/ is the one exception: a foundation below config/, it cannot import this, and
 * spec/config/defaults.spec.ts holds its default to the schema's.
 */
export const DEFAULTS = Object.freeze({
  concurrency: numberDefault('concurrency'),
  minConcurrency: numberDefault('concurrency.min'),
  abortGraceMs: numberDefault('abortGraceMs'),
  retryMaxAttempts: numberDefault('retry.maxAttempts'),
  backoffInitialMs: numberDefault('retry.backoff.initialMs'),
  backoffMaxMs: numberDefault('retry.backoff.maxMs'),
  backoffFactor: numberDefault('retry.backoff.factor'),
  halfOpenMax: numberDefault('circuitBreaker.halfOpenMax'),
  metricsIntervalMs: numberDefault('metrics.intervalMs'),
  shutdownTimeoutMs: numberDefault('shutdown.timeoutMs'),
  cleanupTimeoutMs: numberDefault('shutdown.cleanupTimeoutMs'),
  loggingLevel: schemaDefault('logging.level') as string,
  keysMaxTracked: numberDefault('keys.maxTracked'),
});
