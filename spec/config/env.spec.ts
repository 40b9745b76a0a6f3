import { expect } from 'chai';
import { configFromEnv, envVarName, envVariables, ENV_PREFIX } from '../../lib/config/env';
import { poolConfigSchema, type SchemaNode } from '../../lib/config/schema';

describe('config/env', () => {
  describe('envVarName', () => {
    it('joins the path in UPPER_SNAKE_CASE after WORKER_POOL_', () => {
      expect(envVarName('queue.capacity')).to.equal('WORKER_POOL_QUEUE_CAPACITY');
      expect(envVarName('retry.maxAttempts')).to.equal('WORKER_POOL_RETRY_MAX_ATTEMPTS');
      expect(envVarName(['retry', 'backoff', 'strategy'])).to.equal(
        'WORKER_POOL_RETRY_BACKOFF_STRATEGY',
      );
      expect(envVarName('concurrency.autoscale.maxRssBytes')).to.equal(
        'WORKER_POOL_CONCURRENCY_AUTOSCALE_MAX_RSS_BYTES',
      );
    });
  });

  describe('envVariables', () => {
    it('has one variable per schema option, all distinct, derived from the schema', () => {
      const leaves: string[] = [];
      const walk = (node: SchemaNode, at: string[]): void => {
        const types = ([] as string[]).concat(node.type ?? []);
        if (at.length > 0 && types.some((t) => t !== 'object')) leaves.push(envVarName(at));
        for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...at, key]);
      };
      walk(poolConfigSchema, []);
      const names = envVariables().map((v) => v.name);
      expect(names).to.have.members(leaves);
      expect(new Set(names).size).to.equal(names.length);
      expect(names.every((n) => n.startsWith(ENV_PREFIX))).to.equal(true);
      expect(names).to.include.members([
        'WORKER_POOL_CONCURRENCY',
        'WORKER_POOL_CONCURRENCY_MAX',
        'WORKER_POOL_QUEUE_CAPACITY',
        'WORKER_POOL_RETRY_MAX_ATTEMPTS',
        'WORKER_POOL_RETRY_BACKOFF_STRATEGY',
        'WORKER_POOL_SHUTDOWN_HANDLE_SIGNALS',
        'WORKER_POOL_HANDLE_SIGNALS',
      ]);
    });
  });

  describe('configFromEnv', () => {
    it('builds a nested partial config, coercing per the schema type', () => {
      const { config, problems } = configFromEnv({
        WORKER_POOL_QUEUE_CAPACITY: '5000',
        WORKER_POOL_QUEUE_AGING_MS: '2.5',
        WORKER_POOL_RETRY_MAX_ATTEMPTS: '5',
        WORKER_POOL_RETRY_BACKOFF_STRATEGY: 'linear',
        WORKER_POOL_RETRY_BACKOFF_FACTOR: '1.5',
        WORKER_POOL_LOGGING_PRETTY: 'true',
        WORKER_POOL_SHUTDOWN_HANDLE_SIGNALS: '0',
        PATH: '/usr/bin',
      });
      expect(problems).to.deep.equal([]);
      expect(config).to.deep.equal({
        queue: { capacity: 5000, agingMs: 2.5 },
        retry: { maxAttempts: 5, backoff: { strategy: 'linear', factor: 1.5 } },
        logging: { pretty: true },
        shutdown: { handleSignals: false },
      });
    });

    it('reads booleans as true/false/1/0 and enums case-insensitively', () => {
      const { config } = configFromEnv({
        WORKER_POOL_LOGGING_PRETTY: '1',
        WORKER_POOL_SHUTDOWN_HANDLE_SIGNALS: 'FALSE',
        WORKER_POOL_LOGGING_LEVEL: 'DEBUG',
      });
      expect(config).to.deep.equal({
        logging: { pretty: true, level: 'debug' },
        shutdown: { handleSignals: false },
      });
    });

    it('reads a list as comma-separated values', () => {
      expect(configFromEnv({ WORKER_POOL_HANDLE_SIGNALS: 'sigint, SIGTERM' }).config).to.deep.equal(
        {
          handleSignals: ['SIGINT', 'SIGTERM'],
        },
      );
      expect(configFromEnv({ WORKER_POOL_HANDLE_SIGNALS: 'true' }).config).to.deep.equal({
        handleSignals: true,
      });
    });

    it('reads concurrency as a number or as a range', () => {
      expect(configFromEnv({ WORKER_POOL_CONCURRENCY: '8' }).config).to.deep.equal({
        concurrency: 8,
      });
      expect(
        configFromEnv({ WORKER_POOL_CONCURRENCY_MIN: '2', WORKER_POOL_CONCURRENCY_MAX: '16' })
          .config,
      ).to.deep.equal({ concurrency: { min: 2, max: 16 } });
    });

    it('takes autoscale=true with settings as the settings', () => {
      const { config, problems } = configFromEnv({
        WORKER_POOL_CONCURRENCY_AUTOSCALE: 'true',
        WORKER_POOL_CONCURRENCY_AUTOSCALE_POLICY: 'latency',
      });
      expect(problems).to.deep.equal([]);
      expect(config).to.deep.equal({ concurrency: { autoscale: { policy: 'latency' } } });
      expect(configFromEnv({ WORKER_POOL_CONCURRENCY_AUTOSCALE: 'true' }).config).to.deep.equal({
        concurrency: { autoscale: true },
      });
    });

    it('refuses a number and a range for the same option', () => {
      const { problems } = configFromEnv({
        WORKER_POOL_CONCURRENCY: '4',
        WORKER_POOL_CONCURRENCY_MAX: '8',
      });
      expect(problems).to.have.length(1);
      expect(problems[0].path).to.equal('concurrency');
      expect(problems[0].message).to.equal(
        'WORKER_POOL_CONCURRENCY cannot be combined with WORKER_POOL_CONCURRENCY_MAX (set either the value or its properties)',
      );
    });

    it('names the variable, the value and what was expected for a bad value', () => {
      const { config, problems } = configFromEnv({
        WORKER_POOL_QUEUE_CAPACITY: 'lots',
        WORKER_POOL_RETRY_MAX_ATTEMPTS: '2.5',
        WORKER_POOL_TIMEOUT_MS: '5s',
        WORKER_POOL_LOGGING_PRETTY: 'yes',
        WORKER_POOL_QUEUE_OVERFLOW: 'fifo',
        WORKER_POOL_HANDLE_SIGNALS: 'SIGINT,SIGKILL',
      });
      expect(config).to.deep.equal({});
      expect(problems.map((p) => `${p.path}: ${p.message}`)).to.deep.equal([
        'handleSignals: must be a boolean (true, false, 1 or 0) or a comma-separated list of "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGBREAK", got "SIGINT,SIGKILL" (from WORKER_POOL_HANDLE_SIGNALS)',
        'logging.pretty: must be a boolean (true, false, 1 or 0), got "yes" (from WORKER_POOL_LOGGING_PRETTY)',
        'queue.capacity: must be an integer or Infinity, got "lots" (from WORKER_POOL_QUEUE_CAPACITY)',
        'queue.overflow: must be one of "reject", "drop-lowest", got "fifo" (from WORKER_POOL_QUEUE_OVERFLOW)',
        'retry.maxAttempts: must be an integer, got "2.5" (from WORKER_POOL_RETRY_MAX_ATTEMPTS)',
        'timeoutMs: must be a number or Infinity, got "5s" (from WORKER_POOL_TIMEOUT_MS)',
      ]);
      expect(problems[2].value).to.equal('lots');
    });

    it('reports an unknown WORKER_POOL_ variable with the closest known one', () => {
      const { problems } = configFromEnv({
        WORKER_POOL_QUEUE_CAPACTY: '5',
        WORKER_POOL_NOPE_NOTHING_LIKE_IT: '1',
      });
      expect(problems.map((p) => `${p.path}: ${p.message}`)).to.deep.equal([
        'WORKER_POOL_NOPE_NOTHING_LIKE_IT: unknown environment variable',
        'WORKER_POOL_QUEUE_CAPACTY: unknown environment variable (did you mean WORKER_POOL_QUEUE_CAPACITY?)',
      ]);
    });

    it('lists at most 20 unknown variables and counts the rest, at once', () => {
      const env: NodeJS.ProcessEnv = {};
      for (let i = 0; i < 20_000; i++) env[`WORKER_POOL_STRAY_SETTING_NUMBER_${i}`] = '1';
      const started = process.hrtime.bigint();
      const { problems } = configFromEnv(env);
      expect(problems).to.have.length(21);
      expect(problems[20]).to.deep.include({
        path: 'WORKER_POOL_*',
        message: '19980 more unknown environment variables (20000 in all)',
      });
      // Was 6.6-10.8 s (a suggestion computed against every name, for every variable).
      expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(2_000);
    });

    it('shortens a huge unknown name in the message and suggests nothing for it', () => {
      const name = `WORKER_POOL_${'X'.repeat(1_000_000)}`;
      const [problem] = configFromEnv({ [name]: '1' }).problems;
      expect(problem.path).to.match(/^WORKER_POOL_X+\.\.\. \(1000012 characters\)$/);
      expect(problem.message).to.equal('unknown environment variable');
    });

    it('suggests from what follows the prefix, not from the prefix every name shares', () => {
      expect(configFromEnv({ WORKER_POOL_STRAY_THING: '1' }).problems[0].message).to.equal(
        'unknown environment variable',
      );
      expect(configFromEnv({ WORKER_POOL_RETRIES: '1' }).problems[0].message).to.match(
        /did you mean WORKER_POOL_RETRY_/,
      );
    });

    it('refuses an integer too large to be exact instead of loading Infinity or 1e23', () => {
      for (const raw of ['9'.repeat(400), '1'.repeat(23)]) {
        const { config, problems } = configFromEnv({ WORKER_POOL_CONCURRENCY: raw });
        expect(config).to.deep.equal({});
        expect(problems[0].message).to.match(/^must be an integer of at most 9007199254740991/);
      }
    });

    it('takes Infinity where the option means "no limit", and only there', () => {
      expect(
        configFromEnv({
          WORKER_POOL_TIMEOUT_MS: 'Infinity',
          WORKER_POOL_QUEUE_CAPACITY: 'infinity',
        }).config,
      ).to.deep.equal({ timeoutMs: Infinity, queue: { capacity: Infinity } });
      expect(configFromEnv({ WORKER_POOL_RETRY_MAX_ATTEMPTS: 'Infinity' }).problems).to.have.length(
        1,
      );
    });

    it('ignores empty variables and variables without the prefix', () => {
      expect(
        configFromEnv({ WORKER_POOL_TIMEOUT_MS: '', WORKER_POOLS: 'x', HOME: '/root' }),
      ).to.deep.equal({
        config: {},
        problems: [],
      });
    });
  });
});
