import { expect } from 'chai';
import { DEFAULTS } from '../../lib/config/defaults';
import { schemaDefaults } from '../../lib/config/validate';
import { createLogger } from '../../lib/logging/logger';
import { DEFAULT_RETRY } from '../../lib/retry/retry-policy';
import { ExponentialBackoff } from '../../lib/backoff/exponential-backoff';

describe('config/defaults', () => {
  const schema = schemaDefaults();

  it('reads every default from config/schema.json', () => {
    expect(DEFAULTS).to.deep.equal({
      concurrency: schema.concurrency,
      minConcurrency: 1,
      abortGraceMs: schema.abortGraceMs,
      retryMaxAttempts: schema.retry.maxAttempts,
      backoffInitialMs: schema.retry.backoff.initialMs,
      backoffMaxMs: schema.retry.backoff.maxMs,
      backoffFactor: schema.retry.backoff.factor,
      halfOpenMax: 1,
      metricsIntervalMs: schema.metrics.intervalMs,
      shutdownTimeoutMs: schema.shutdown.timeoutMs,
      cleanupTimeoutMs: schema.shutdown.cleanupTimeoutMs,
      loggingLevel: schema.logging.level,
      keysMaxTracked: 100,
    });
  });

  it('the parts that apply a default in code apply the schema’s', () => {
    expect(DEFAULT_RETRY.maxAttempts).to.equal(schema.retry.maxAttempts);
    const backoff = new ExponentialBackoff({ jitter: 'none' });
    expect(backoff.delayMs(1)).to.equal(schema.retry.backoff.initialMs);
    expect(backoff.delayMs(2)).to.equal(
      schema.retry.backoff.initialMs * schema.retry.backoff.factor,
    );
    expect(backoff.delayMs(100)).to.equal(schema.retry.backoff.maxMs);
  });

  it("the logger (a foundation below config/, which cannot import it) defaults to the schema's level", () => {
    expect(createLogger({}).level).to.equal(schema.logging.level);
  });
});
