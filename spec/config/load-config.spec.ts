import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import {
  MAX_CONFIG_FILE_BYTES,
  loadConfig,
  type SourcedConfigProblem,
} from '../../lib/config/load-config';
import { schemaDefaults } from '../../lib/config/validate';
import { configError, lines } from '../support/config-fixtures';

describe('config/load-config', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-pool-config-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('hostile input is a ConfigError, quickly', () => {
    it('reports a 100,000-deep JSON file instead of overflowing the stack', () => {
      const file = write('deep.json', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.problems[0].message).to.match(/nested more than 32 levels deep/);
    });

    it('reports the keys of a YAML list aliased 99 times (copied once: see cloneData)', () => {
      const list = Array.from({ length: 100_000 }, (_, i) => i % 10).join(',');
      const aliases = Array.from({ length: 99 }, (_, i) => `k${i}: *a`).join('\n');
      const file = write('alias.yaml', `base: &a [${list}]\n${aliases}\n`);
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.problems.map((p) => p.path)).to.include.members(['base', 'k0', 'k98']);
    });

    it('reports overrides that hold themselves', () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      const error = configError(() =>
        loadConfig({ env: {}, overrides: { shutdown: loop } as never }),
      );
      expect(error.problems[0]).to.deep.include({ path: 'shutdown.self', source: 'overrides' });
    });

    it('names `env` when it is not an object', () => {
      const error = configError(() => loadConfig({ env: null as never }));
      expect(error.problems[0].path).to.equal('env');
      expect(error.problems[0].message).to.match(/must be an object of environment variables/);
    });

    it('says Infinity is not taken where it is refused, without contradicting itself', () => {
      const error = configError(() =>
        loadConfig({ env: {}, overrides: { metrics: { intervalMs: Infinity } } }),
      );
      expect(error.problems[0].message).to.match(/^must be a finite number .* got Infinity/);
    });
  });

  describe('each source alone', () => {
    it('returns the schema defaults with no source', () => {
      expect(loadConfig({ env: {} })).to.deep.equal(schemaDefaults());
    });

    it('reads a YAML file', () => {
      const file = write(
        'pool.yaml',
        [
          'concurrency: 4',
          'queue:',
          '  capacity: 1000',
          'retry:',
          '  backoff:',
          '    strategy: linear',
        ].join('\n'),
      );
      const config = loadConfig({ file, env: {} });
      expect(config.concurrency).to.equal(4);
      expect(config.queue).to.deep.equal({ capacity: 1000, overflow: 'reject' });
      expect(config.retry.backoff.strategy).to.equal('linear');
      expect(config.retry.backoff.initialMs).to.equal(100);
    });

    it('reads a .yml file', () => {
      const file = write('pool.yml', 'timeoutMs: 250\n');
      expect(loadConfig({ file, env: {} }).timeoutMs).to.equal(250);
    });

    it('reads a JSON file', () => {
      const file = write(
        'pool.json',
        JSON.stringify({ queue: { capacity: 7 }, logging: { level: 'warn' } }),
      );
      const config = loadConfig({ file, env: {} });
      expect(config.queue.capacity).to.equal(7);
      expect(config.logging).to.deep.equal({ level: 'warn', pretty: false });
    });

    it('reads an empty YAML file as an empty configuration', () => {
      const file = write('empty.yaml', '# nothing here\n');
      expect(loadConfig({ file, env: {} })).to.deep.equal(schemaDefaults());
    });

    it('reads WORKER_POOL_* variables', () => {
      const config = loadConfig({
        env: { WORKER_POOL_QUEUE_CAPACITY: '5000', WORKER_POOL_RETRY_BACKOFF_STRATEGY: 'fixed' },
      });
      expect(config.queue.capacity).to.equal(5000);
      expect(config.retry.backoff.strategy).to.equal('fixed');
    });

    it('reads process.env unless told otherwise', () => {
      process.env.WORKER_POOL_METRICS_INTERVAL_MS = '250';
      try {
        expect(loadConfig().metrics.intervalMs).to.equal(250);
        expect(loadConfig({ env: {} }).metrics.intervalMs).to.equal(1000);
      } finally {
        delete process.env.WORKER_POOL_METRICS_INTERVAL_MS;
      }
    });

    it('applies overrides', () => {
      const config = loadConfig({ env: {}, overrides: { retry: { maxAttempts: 1 } } });
      expect(config.retry.maxAttempts).to.equal(1);
      expect(config.retry.backoff.maxMs).to.equal(30000);
    });
  });

  describe('precedence', () => {
    it('env over file over defaults, overrides over env, merged key by key', () => {
      const file = write(
        'pool.yaml',
        'queue:\n  capacity: 1000\n  overflow: drop-lowest\nretry:\n  maxAttempts: 5\ntimeoutMs: 100\n',
      );
      const config = loadConfig({
        file,
        env: { WORKER_POOL_QUEUE_CAPACITY: '5000', WORKER_POOL_TIMEOUT_MS: '200' },
        overrides: { timeoutMs: 300 },
      });
      expect(config.queue).to.deep.equal({ capacity: 5000, overflow: 'drop-lowest' });
      expect(config.retry.maxAttempts).to.equal(5);
      expect(config.timeoutMs).to.equal(300);
      expect(config.abortGraceMs).to.equal(1000);
    });

    it("precedence: 'file' puts the file over the environment (the CLI's order)", () => {
      const file = write('cli.yaml', 'queue:\n  capacity: 1000\ntimeoutMs: 100\n');
      const env = { WORKER_POOL_QUEUE_CAPACITY: '5000', WORKER_POOL_RETRY_MAX_ATTEMPTS: '7' };
      const config = loadConfig({ file, env, precedence: 'file' });
      expect(config.queue.capacity).to.equal(1000);
      expect(config.retry.maxAttempts).to.equal(7);
      expect(config.timeoutMs).to.equal(100);
      const error = (() => {
        try {
          loadConfig({ file, env: { WORKER_POOL_TIMEOUT_MS: 'soon' }, precedence: 'file' });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error?.message).to.match(/Invalid configuration in environment/);
    });

    it('lets a later source replace a number with a range', () => {
      const file = write('pool.json', '{"concurrency": 4}');
      const config = loadConfig({ file, env: { WORKER_POOL_CONCURRENCY_MAX: '8' } });
      expect(config.concurrency).to.deep.equal({ max: 8, min: 1 });
    });

    it('does not modify the overrides', () => {
      const overrides = { queue: { capacity: 3 } };
      loadConfig({ env: { WORKER_POOL_QUEUE_OVERFLOW: 'drop-lowest' }, overrides });
      expect(overrides).to.deep.equal({ queue: { capacity: 3 } });
    });
  });

  describe('errors', () => {
    it('names a missing file by its path', () => {
      const file = path.join(dir, 'nope.yaml');
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(lines(error)).to.deep.equal([`: configuration file not found: ${file}`]);
      expect(error.source).to.equal(file);
      expect(error.message).to.include(file);
    });

    it('refuses an unknown file type', () => {
      const file = write('pool.toml', 'a = 1');
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.message).to.include('unsupported configuration file type ".toml"');
      expect(error.message).to.include('expected .yaml, .yml or .json');
    });

    it('gives the line and column of a YAML syntax error', () => {
      const file = write('bad.yaml', 'queue:\n  capacity: 3\nretry: [1, 2\n');
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.problems).to.have.length.greaterThan(0);
      expect(error.problems[0].message).to.match(/^YAML syntax error at line \d+, column \d+: /);
      expect(error.problems[0].message).to.include(`(in ${file})`);
      expect(error.source).to.equal(file);
    });

    it('points at the offending line of an indentation error', () => {
      const file = write('bad.yaml', 'queue:\n  capacity: 3\n   overflow: reject\n');
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.problems[0].message).to.match(/^YAML syntax error at line 2, column 13: /);
    });

    it('reports a duplicate YAML key, also in a nested mapping', () => {
      const nested = write('nested.yaml', 'queue:\n  capacity: 1\n  capacity: 2\n');
      expect(lines(configError(() => loadConfig({ file: nested, env: {} })))[0]).to.contain(
        'line 3: duplicate key capacity',
      );
      const file = write('dup.yaml', 'timeoutMs: 1\ntimeoutMs: 2\n');
      expect(configError(() => loadConfig({ file, env: {} })).problems[0].message).to.match(
        /^YAML error at line 2: duplicate key timeoutMs/,
      );
    });

    it('gives the line and column of a JSON syntax error', () => {
      const trailingComma = write('a.json', '{\n  "timeoutMs": 1,\n}');
      expect(lines(configError(() => loadConfig({ file: trailingComma, env: {} })))[0]).to.match(
        /^: JSON syntax error at line 3, column 1: /,
      );
      const badToken = write('b.json', '{\n  "queue": {\n    "capacity": tru\n  }\n}');
      expect(lines(configError(() => loadConfig({ file: badToken, env: {} })))[0]).to.match(
        /^: JSON syntax error at line 3, column \d+: Unexpected token/,
      );
    });

    it('refuses a file that is not a mapping', () => {
      const file = write('list.yaml', '- 1\n- 2\n');
      expect(lines(configError(() => loadConfig({ file, env: {} })))).to.deep.equal([
        `: must be an object (a mapping of options), got array (in ${file})`,
      ]);
    });

    it('reports file problems with the file path', () => {
      const file = write(
        'pool.yaml',
        'retry:\n  backof:\n    initialMs: 10\nqueue:\n  capacity: 0\n',
      );
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(lines(error)).to.deep.equal([
        `queue.capacity: must be >= 1, got 0 (in ${file})`,
        `retry.backof: unknown key (did you mean backoff?) (in ${file})`,
      ]);
      expect(error.message).to.include(`queue.capacity: must be >= 1, got 0 (in ${file})`);
      expect((error.problems as SourcedConfigProblem[]).map((p) => p.source)).to.deep.equal([
        file,
        file,
      ]);
    });

    it('reports the problems of every source together, each tagged with its source', () => {
      const file = write('pool.yaml', 'logging:\n  levle: debug\n');
      const error = configError(() =>
        loadConfig({
          file,
          env: {
            WORKER_POOL_QUEUE_CAPACITY: '0',
            WORKER_POOL_RETRY_MAX_ATTEMPTS: 'three',
            WORKER_POOL_RETRY_BACKOF_STRATEGY: 'linear',
          },
          overrides: { queue: { overflow: 'newest' as 'reject' } },
        }),
      );
      const problems = error.problems as SourcedConfigProblem[];
      expect(problems.map((p) => [p.source, `${p.path}: ${p.message}`])).to.have.deep.members([
        [
          'environment',
          'retry.maxAttempts: must be an integer, got "three" (from WORKER_POOL_RETRY_MAX_ATTEMPTS)',
        ],
        [
          'environment',
          'WORKER_POOL_RETRY_BACKOF_STRATEGY: unknown environment variable (did you mean WORKER_POOL_RETRY_BACKOFF_STRATEGY?)',
        ],
        [file, `logging.levle: unknown key (did you mean level?) (in ${file})`],
        ['environment', 'queue.capacity: must be >= 1, got 0 (from WORKER_POOL_QUEUE_CAPACITY)'],
        [
          'overrides',
          'queue.overflow: must be one of "reject", "drop-lowest", got "newest" (in overrides)',
        ],
      ]);
      expect(error.source).to.equal(`${file}, environment, overrides`); // the order they apply in
    });

    it('tags a missing key with the source of its object', () => {
      const error = configError(() => loadConfig({ env: { WORKER_POOL_RATE_LIMIT_LIMIT: '5' } }));
      expect(lines(error)).to.deep.equal(['rateLimit.intervalMs: is required (in environment)']);
    });

    it('reports a missing file together with bad variables', () => {
      const file = path.join(dir, 'missing.json');
      const error = configError(() =>
        loadConfig({ file, env: { WORKER_POOL_TIMEOUT_MS: 'soon' } }),
      );
      expect(error.problems).to.have.length(2);
    });
  });

  describe('config/default.yaml', () => {
    it('loads and equals the schema defaults', () => {
      const file = path.join(__dirname, '../../config/default.yaml');
      expect(loadConfig({ file, env: {} })).to.deep.equal(schemaDefaults());
    });

    it('mentions every option of the schema, set or commented out', () => {
      const text = fs.readFileSync(path.join(__dirname, '../../config/default.yaml'), 'utf8');
      const keys = (node: { properties?: Record<string, unknown> }): string[] =>
        Object.entries(node.properties ?? {}).flatMap(([k, v]) => [k, ...keys(v as typeof node)]);
      const schema = JSON.parse(
        fs.readFileSync(path.join(__dirname, '../../config/schema.json'), 'utf8'),
      );
      const missing = keys(schema).filter((k) => !new RegExp(`^\\s*#?\\s*${k}:`, 'm').test(text));
      expect(missing).to.deep.equal([]);
    });
  });

  describe('hostile files and inputs', () => {
    const polluted = (): unknown => (Object.prototype as Record<string, unknown>).polluted;

    it('a __proto__ key in JSON, YAML or overrides is an unknown key, not a prototype write', () => {
      const json = write(
        'pool.json',
        '{"__proto__": {"polluted": 1}, "queue": {"__proto__": {"polluted": 2}}}',
      );
      const yaml = write('pool.yaml', '__proto__:\n  polluted: 3\n');
      for (const options of [
        { file: json, env: {} },
        { file: yaml, env: {} },
        { env: {}, overrides: JSON.parse('{"__proto__": {"polluted": 4}}') as object },
      ]) {
        const error = configError(() => loadConfig(options));
        expect(lines(error).join('\n')).to.contain('__proto__: unknown key');
        expect(polluted()).to.equal(undefined);
      }
      // Later configurations are unaffected.
      expect(loadConfig({ env: {} }).queue.capacity).to.equal(schemaDefaults().queue.capacity);
    });

    it('a YAML alias bomb is a ConfigError naming the file, not a raw ReferenceError', () => {
      const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
      for (const [name, ref] of [
        ['b', 'a'],
        ['c', 'b'],
        ['d', 'c'],
        ['e', 'd'],
        ['f', 'e'],
      ]) {
        rows.push(`${name}: &${name} [${Array(9).fill(`*${ref}`).join(', ')}]`);
      }
      const file = write('bomb.yaml', rows.join('\n'));
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.message).to.contain(file).and.contain('alias');
    });

    it('a file over 1 MiB is refused before it is parsed', () => {
      const file = write('huge.yaml', `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.message).to.contain('over the limit');
    });

    it('a FIFO named pool.yaml is refused at once instead of hanging', function () {
      if (process.platform === 'win32') this.skip();
      const file = path.join(dir, 'fifo.yaml');
      execFileSync('mkfifo', [file]);
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(error.message).to.contain('not a regular file');
    });

    it('loadConfig(null) and a non-string file are ConfigErrors', () => {
      expect(configError(() => loadConfig(null as unknown as {})).message).to.contain(
        'loadConfig()',
      );
      expect(lines(configError(() => loadConfig({ file: 42 as unknown as string })))).to.deep.equal(
        ['file: must be a path string, got 42'],
      );
    });

    it('durations above 2^31-1 ms are refused, Infinity in YAML (.inf) means none', () => {
      const file = write('pool.yaml', 'timeoutMs: 2147483648\nshutdown:\n  timeoutMs: .inf\n');
      const error = configError(() => loadConfig({ file, env: {} }));
      expect(lines(error)).to.have.length(1);
      expect(lines(error)[0]).to.contain('timeoutMs: must be <= 2147483647');
      const fine = write('fine.yaml', 'shutdown:\n  timeoutMs: .inf\n');
      expect(loadConfig({ file: fine, env: {} }).shutdown.timeoutMs).to.equal(Infinity);
    });
  });
});
