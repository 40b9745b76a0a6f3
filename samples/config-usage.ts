// In your own code: import { ... } from 'rxjs-worker-pool';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, WorkerPool, loadConfig, type PoolConfig } from '../lib';

// A configuration file, as an operator would write it.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-pool-config-'));
const file = path.join(dir, 'pool.yaml');
fs.writeFileSync(
  file,
  `# pool.yaml
concurrency: 4
queue:
  capacity: 100
retry:
  maxAttempts: 5
logging:
  level: warn
`,
);

// Environment variables: WORKER_POOL_ + the option's path in UPPER_SNAKE_CASE. A real service
// passes nothing and process.env is read; here an object keeps the demo self-contained.
const env = {
  WORKER_POOL_QUEUE_CAPACITY: '250',
  WORKER_POOL_RETRY_BACKOFF_INITIAL_MS: '50',
};

async function main(): Promise<void> {
  console.log(
    `Config file ${file}:\n${fs.readFileSync(file, 'utf8').trimEnd().replace(/^/gm, '   ')}`,
  );
  console.log('\nEnvironment:');
  for (const [name, value] of Object.entries(env)) console.log(`   ${name}=${value}`);

  const defaults = loadConfig({ env: {} }); // no file, no variables: the built-in defaults
  const fromFile = loadConfig({ file, env: {} });
  const config = loadConfig({ file, env });

  // Precedence: an environment variable beats the file, which beats the defaults.
  console.log('\nOption                    default   file only   file + env   winner');
  const rows: [string, (c: PoolConfig) => unknown][] = [
    ['concurrency', (c) => c.concurrency],
    ['queue.capacity', (c) => c.queue.capacity],
    ['retry.maxAttempts', (c) => c.retry.maxAttempts],
    ['retry.backoff.initialMs', (c) => c.retry.backoff.initialMs],
    ['logging.level', (c) => c.logging.level],
  ];
  for (const [name, read] of rows) {
    const [d, f, e] = [defaults, fromFile, config].map((c) => String(read(c) ?? '-'));
    const winner = e !== f ? 'env' : f !== d ? 'file' : 'default';
    console.log(`${name.padEnd(26)}${d.padEnd(10)}${f.padEnd(12)}${e.padEnd(13)}${winner}`);
  }

  // A pool built from the loaded configuration.
  const pool = WorkerPool.fromConfig(config, async (n: number) => n * n);
  const squares = await Promise.all([1, 2, 3, 4].map((n) => pool.submit(n)));
  console.log(
    `\nA pool from this config (concurrency ${pool.metrics().concurrency}) squared 1..4: ${squares.join(', ')}`,
  );
  await pool.shutdown();

  // A typo in the file and one in the environment: one ConfigError lists both, with where
  // each came from (and a suggestion when the name is close to a real one).
  const typo = path.join(dir, 'typo.yaml');
  fs.writeFileSync(typo, 'queue:\n  capasity: 100\n');
  console.log('\nNow a file with "capasity" instead of "capacity", and a misspelt variable:');
  try {
    loadConfig({ file: typo, env: { WORKER_POOL_RETRY_MAX_ATEMPTS: '3' } });
    console.log('   (no error?!)');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.log(`   ${error.name}: ${error.message.replace(/\n/g, '\n   ')}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
