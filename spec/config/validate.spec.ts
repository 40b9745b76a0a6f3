import { expect } from 'chai';
import type { SchemaNode } from '../../lib/config/schema';
import {
  checkConfig,
  compileOptionsSchema,
  schemaDefaults,
  validateConfig,
  validateOptionsData,
} from '../../lib/config/validate';
import { configError, lines } from '../support/config-fixtures';

describe('config/validate', () => {
  describe('schemaDefaults', () => {
    it('returns every default written in the schema', () => {
      expect(schemaDefaults()).to.deep.equal({
        concurrency: 1,
        queue: { overflow: 'reject' },
        abortGraceMs: 1000,
        retry: {
          maxAttempts: 3,
          backoff: {
            strategy: 'exponential',
            initialMs: 100,
            maxMs: 30000,
            factor: 2,
          },
        },
        metrics: { intervalMs: 1000 },
        shutdown: { timeoutMs: 30000, cleanupTimeoutMs: 5000, handleSignals: false },
        logging: { level: 'warn', pretty: false },
      });
    });

    it('returns a fresh object each time', () => {
      const a = schemaDefaults();
      a.retry.maxAttempts = 9;
      expect(schemaDefaults().retry.maxAttempts).to.equal(3);
    });
  });

  describe('validateConfig', () => {
    it('fills defaults into a copy, keeping given values', () => {
      const input = { retry: { maxAttempts: 5 }, concurrency: { max: 8 } };
      const config = validateConfig(input);
      expect(config.retry).to.deep.equal({
        maxAttempts: 5,
        backoff: {
          strategy: 'exponential',
          initialMs: 100,
          maxMs: 30000,
          factor: 2,
        },
      });
      expect(config.concurrency).to.deep.equal({ max: 8, min: 1 });
      expect(input).to.deep.equal({ retry: { maxAttempts: 5 }, concurrency: { max: 8 } });
    });

    it('accepts every kind of value the schema allows', () => {
      const config = validateConfig({
        concurrency: { min: 2, max: 8, initial: 4, autoscale: { policy: 'latency', step: 2 } },
        queue: { capacity: 100, overflow: 'drop-lowest', agingMs: 500 },
        timeoutMs: 2500,
        rateLimit: { limit: 10, intervalMs: 1000 },
        circuitBreaker: {
          failureThreshold: 5,
          resetTimeoutMs: 1000,
          window: { size: 20, failureRatio: 0.5 },
        },
        handleSignals: ['SIGINT', 'SIGHUP'],
      });
      expect(config.circuitBreaker).to.deep.equal({
        failureThreshold: 5,
        resetTimeoutMs: 1000,
        halfOpenMax: 1,
        window: { size: 20, failureRatio: 0.5 },
      });
      expect(config.concurrency).to.deep.include({ autoscale: { policy: 'latency', step: 2 } });
      expect(validateConfig({ concurrency: { autoscale: true } }).concurrency).to.deep.equal({
        autoscale: true,
        min: 1,
      });
    });

    it('names an unknown key and suggests the closest known one', () => {
      const error = configError(() => validateConfig({ retry: { backof: {} } }));
      expect(lines(error)).to.deep.equal(['retry.backof: unknown key (did you mean backoff?)']);
      expect(error.message).to.include('retry.backof: unknown key (did you mean backoff?)');
    });

    it('suggests nothing when no key is close', () => {
      const error = configError(() => validateConfig({ zzzzzzzz: 1 }));
      expect(lines(error)).to.deep.equal(['zzzzzzzz: unknown key']);
    });

    it('gives the limit and the value of a number out of range', () => {
      expect(lines(configError(() => validateConfig({ queue: { capacity: 0 } })))).to.deep.equal([
        'queue.capacity: must be >= 1, got 0',
      ]);
      expect(lines(configError(() => validateConfig({ timeoutMs: 0 })))).to.deep.equal([
        'timeoutMs: must be > 0, got 0',
      ]);
      expect(
        lines(
          configError(() =>
            validateConfig({
              circuitBreaker: {
                failureThreshold: 1,
                resetTimeoutMs: 1,
                window: { size: 2, failureRatio: 1.5 },
              },
            }),
          ),
        ),
      ).to.deep.equal(['circuitBreaker.window.failureRatio: must be <= 1, got 1.5']);
    });

    it('checks limits that depend on another option', () => {
      const error = configError(() =>
        validateConfig({ concurrency: { min: 5, max: 2, initial: 9 } }),
      );
      expect(lines(error)).to.deep.equal([
        'concurrency.min: must be <= concurrency.max (2), got 5',
        'concurrency.initial: must be <= concurrency.max (2), got 9',
      ]);
      expect(
        lines(configError(() => validateConfig({ concurrency: { min: 4, initial: 2 } }))),
      ).to.deep.equal(['concurrency.initial: must be >= concurrency.min (4), got 2']);
      expect(
        lines(
          configError(() => validateConfig({ retry: { backoff: { initialMs: 500, maxMs: 100 } } })),
        ),
      ).to.deep.equal(['retry.backoff.initialMs: must be <= retry.backoff.maxMs (100), got 500']);
      expect(
        lines(
          configError(() =>
            validateConfig({
              circuitBreaker: {
                failureThreshold: 1,
                resetTimeoutMs: 0,
                window: { size: 5, minimumCalls: 6, failureRatio: 0.5 },
              },
            }),
          ),
        ),
      ).to.deep.equal([
        'circuitBreaker.window.minimumCalls: must be <= circuitBreaker.window.size (5), got 6',
      ]);
    });

    it('lists the allowed values of an enum', () => {
      const error = configError(() => validateConfig({ queue: { overflow: 'fifo' } }));
      expect(lines(error)).to.deep.equal([
        'queue.overflow: must be one of "reject", "drop-lowest", got "fifo"',
      ]);
    });

    it('names the expected and the actual type', () => {
      expect(
        lines(configError(() => validateConfig({ retry: { maxAttempts: '3' } }))),
      ).to.deep.equal(['retry.maxAttempts: must be an integer, got "3" (string)']);
      expect(
        lines(configError(() => validateConfig({ retry: { maxAttempts: 2.5 } }))),
      ).to.deep.equal(['retry.maxAttempts: must be an integer, got 2.5 (number)']);
      expect(lines(configError(() => validateConfig({ concurrency: 'many' })))).to.deep.equal([
        'concurrency: must be an integer or an object, got "many" (string)',
      ]);
      expect(lines(configError(() => validateConfig([])))).to.deep.equal([
        ': must be an object, got [] (array)',
      ]);
    });

    it('names a missing required key', () => {
      expect(lines(configError(() => validateConfig({ rateLimit: { limit: 5 } })))).to.deep.equal([
        'rateLimit.intervalMs: is required',
      ]);
    });

    it('writes array items with their index', () => {
      const error = configError(() => validateConfig({ handleSignals: ['SIGINT', 'SIGKILL'] }));
      expect(lines(error)[0]).to.match(
        /^handleSignals\[1\]: must be one of "SIGINT", .*got "SIGKILL"$/,
      );
    });

    it('lists every problem at once, with values, and names the source', () => {
      const error = configError(() =>
        validateConfig(
          {
            retry: { backof: {}, maxAttempts: 0 },
            queue: { capacity: 0, overflow: 'x' },
            logginf: {},
          },
          'pool.yaml',
        ),
      );
      expect(lines(error)).to.have.members([
        'logginf: unknown key (did you mean logging?)',
        'retry.backof: unknown key (did you mean backoff?)',
        'retry.maxAttempts: must be >= 1, got 0',
        'queue.capacity: must be >= 1, got 0',
        'queue.overflow: must be one of "reject", "drop-lowest", got "x"',
      ]);
      expect(error.source).to.equal('pool.yaml');
      expect(error.message).to.match(/^Invalid configuration in pool\.yaml:/);
      expect(error.problems.find((p) => p.path === 'queue.capacity')?.value).to.equal(0);
    });
  });

  describe('validateOptionsData', () => {
    it('accepts valid options without filling defaults', () => {
      const options = { concurrency: 4, queue: { capacity: 10 } };
      expect(validateOptionsData(options)).to.equal(undefined);
      expect(options).to.deep.equal({ concurrency: 4, queue: { capacity: 10 } });
    });

    it('throws the same messages, with source "options" by default', () => {
      const error = configError(() =>
        validateOptionsData({ concurrency: 0, retry: { backof: 1 } }),
      );
      expect(error.source).to.equal('options');
      expect(lines(error)).to.deep.equal([
        'concurrency: must be >= 1, got 0',
        'retry.backof: unknown key (did you mean backoff?)',
      ]);
      expect(
        configError(() => validateOptionsData({ timeoutMs: -1 }, 'WorkerPool')).source,
      ).to.equal('WorkerPool');
    });

    it('still checks a range limit when no default would fill it', () => {
      expect(
        lines(configError(() => validateOptionsData({ concurrency: { initial: 0 } }))),
      ).to.deep.equal(['concurrency.initial: must be > 0, got 0']);
    });

    it('reports a function where data is expected as a type problem', () => {
      const error = configError(() => validateOptionsData({ timeoutMs: () => 5 }));
      expect(lines(error)).to.deep.equal([
        'timeoutMs: must be a number, got [function] (function)',
      ]);
    });
  });

  describe('checkConfig', () => {
    it('returns problems instead of throwing', () => {
      const { problems, config } = checkConfig({ queue: { capacity: 0 } }, { useDefaults: true });
      expect(problems).to.deep.equal([
        { path: 'queue.capacity', message: 'must be >= 1, got 0', value: 0 },
      ]);
      expect(config).to.have.nested.property('queue.overflow', 'reject');
      expect(checkConfig({}).config).to.deep.equal({});
    });
  });
});

describe('compileOptionsSchema', () => {
  const schema: SchemaNode = {
    type: 'object',
    additionalProperties: false,
    properties: {
      size: { type: 'integer', minimum: 1, maximum: { $data: '1/max' } },
      max: { type: 'integer' },
      waitMs: { type: 'number', minimum: 0 },
      label: { type: 'string', minLength: 1 },
    },
  };
  const check = compileOptionsSchema(schema, [['waitMs']]);
  const problemsOf = (options: object): string[] =>
    check(options).map((problem) => `${problem.path}: ${problem.message}`);

  it('words problems as the config does', () => {
    expect(problemsOf({ size: 0, label: '', sise: 1 })).to.have.members([
      'size: must be >= 1, got 0',
      'label: must be a non-empty string, got ""',
      'sise: unknown key (did you mean size?)',
    ]);
    expect(problemsOf({ size: 5, max: 3 })).to.deep.equal(['size: must be <= max (3), got 5']);
    expect(problemsOf({ size: 2, max: 3 })).to.deep.equal([]);
  });

  it('takes Infinity where a path says so, and never mutates the options', () => {
    const options = { waitMs: Infinity, size: 1 };
    expect(problemsOf(options)).to.deep.equal([]);
    expect(options).to.deep.equal({ waitMs: Infinity, size: 1 });
    expect(problemsOf({ size: Infinity })).to.have.length(1);
  });
});
