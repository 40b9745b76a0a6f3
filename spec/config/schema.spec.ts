import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'chai';
import {
  POOL_CONFIG_SCHEMA,
  SCHEMA_PATH,
  poolConfigSchema,
  validatePoolConfig,
  validatePoolConfigWithDefaults,
  type PoolConfig,
  type SchemaNode,
} from '../../lib/config/schema';

/** Every node under `properties` and `items`, with its dotted path. */
function nodes(node: SchemaNode, at = ''): Array<[string, SchemaNode]> {
  const out: Array<[string, SchemaNode]> = [[at || '(root)', node]];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    out.push(...nodes(child, at ? `${at}.${key}` : key));
  }
  if (node.items) out.push(...nodes(node.items, `${at}[]`));
  return out;
}

describe('config/schema', () => {
  it('reads config/schema.json, two levels above lib/config', () => {
    expect(SCHEMA_PATH).to.equal(path.resolve(__dirname, '../../config/schema.json'));
    expect(poolConfigSchema).to.deep.equal(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')));
  });

  it('has a TypeScript copy (the source of PoolConfig) deep-equal to config/schema.json', () => {
    // The copy only exists for json-schema-to-ts; this keeps the type from drifting.
    expect(JSON.parse(JSON.stringify(POOL_CONFIG_SCHEMA))).to.deep.equal(poolConfigSchema);
  });

  it('describes every property', () => {
    const undocumented = nodes(poolConfigSchema)
      .filter(([, node]) => typeof node.description !== 'string' || node.description.length < 5)
      .map(([at]) => at);
    expect(undocumented).to.deep.equal([]);
  });

  it('forbids unknown keys in every object (a map by key checks each value instead)', () => {
    const open = nodes(poolConfigSchema)
      .filter(([, node]) => ([] as string[]).concat(node.type ?? []).includes('object'))
      .filter(([, node]) => node.additionalProperties !== false)
      .map(([at]) => at);
    // keys.limits is a map from any key to its limit: its values have a schema of their own.
    expect(open).to.deep.equal(['keys.limits']);
    expect(poolConfigSchema.properties?.keys?.properties?.limits?.additionalProperties).to.include({
      type: 'integer',
      minimum: 1,
    });
    expect(nodes(poolConfigSchema).filter(([, n]) => n.properties).length).to.be.greaterThan(8);
  });

  it('only lists required keys that it defines', () => {
    for (const [at, node] of nodes(poolConfigSchema)) {
      for (const key of node.required ?? []) {
        expect(node.properties ?? {}, `${at}.${key}`).to.have.property(key);
      }
    }
  });

  it('covers every plain-data pool option', () => {
    expect(Object.keys(poolConfigSchema.properties ?? {})).to.have.members([
      'concurrency',
      'queue',
      'timeoutMs',
      'abortGraceMs',
      'retry',
      'rateLimit',
      'keys',
      'circuitBreaker',
      'metrics',
      'shutdown',
      'handleSignals',
      'logging',
    ]);
  });

  it('fills defaults with one validator and leaves data alone with the other', () => {
    const withDefaults: Record<string, unknown> = {};
    const plain: Record<string, unknown> = {};
    expect(validatePoolConfigWithDefaults(withDefaults)).to.equal(true);
    expect(validatePoolConfig(plain)).to.equal(true);
    expect(withDefaults).to.have.property('retry');
    expect(plain).to.deep.equal({});
  });

  it('types PoolConfig from the schema (defaulted keys required, others optional)', () => {
    const data: Record<string, unknown> = { queue: { capacity: 5 } };
    validatePoolConfigWithDefaults(data);
    const config = data as PoolConfig;
    // Compile-time checks: these lines would not type-check if the type drifted.
    const attempts: number = config.retry.maxAttempts;
    // No schema default: each strategy picks its own (full for exponential, none otherwise).
    const jitter: 'none' | 'full' | 'equal' | 'decorrelated' | undefined =
      config.retry.backoff.jitter;
    const capacity: number | undefined = config.queue.capacity;
    const limit: number | undefined = config.rateLimit?.limit;
    expect([attempts, jitter, capacity, limit]).to.deep.equal([3, undefined, 5, undefined]);
  });
});
