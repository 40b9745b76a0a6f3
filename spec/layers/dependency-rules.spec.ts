import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// The layer rules are only worth something if they fail: each case plants one import in a
// throw-away tree and runs dependency-cruiser with the project's own rules, as `npm run lint`
// does on lib/.
const ROOT = resolve(__dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const RULES = join(ROOT, '.dependency-cruiser.js');

interface Cruise {
  status: number | null;
  output: string;
}

function cruise(files: Record<string, string>): Cruise {
  const tree = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    writeFileSync(
      join(tree, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true } }),
    );
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tree, file)), { recursive: true });
      writeFileSync(join(tree, file), text);
    }
    const run = spawnSync(DEPCRUISE, ['--config', RULES, 'lib'], { cwd: tree, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

const POOL = { 'lib/pool/worker-pool.ts': 'export class WorkerPool {}\n' };
const INDEX = { 'lib/index.ts': "export { WorkerPool } from './pool/worker-pool';\n" };

describe('layers/dependency-rules (.dependency-cruiser.js)', function () {
  this.timeout(30_000);

  it('passes on the tree as it stands', () => {
    const run = spawnSync(DEPCRUISE, ['--config', RULES, 'lib'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).to.equal(0);
  });

  it('fails on an upward import planted in a policy (backoff/ importing pool/)', () => {
    const run = cruise({
      ...POOL,
      'lib/backoff/planted.ts':
        "import { WorkerPool } from '../pool/worker-pool';\nexport const p = WorkerPool;\n",
    });
    expect(run.status).to.not.equal(0);
    expect(run.output).to.match(
      /layer-2-imports-upward: lib\/backoff\/planted\.ts → lib\/pool\/worker-pool\.ts/,
    );
  });

  it('fails on a foundation importing a policy (task/ importing retry/)', () => {
    const run = cruise({
      'lib/retry/retry-options.ts': 'export interface RetryOptions { maxAttempts: number }\n',
      'lib/task/planted.ts':
        "import type { RetryOptions } from '../retry/retry-options';\nexport type T = RetryOptions;\n",
    });
    expect(run.output).to.match(/layer-1-imports-upward: lib\/task\/planted\.ts/);
  });

  it('fails on an integration importing lib/pool/ directly instead of lib/index.ts', () => {
    const run = cruise({
      ...POOL,
      ...INDEX,
      'lib/threads/planted.ts':
        "import { WorkerPool } from '../pool/worker-pool';\nexport const p = WorkerPool;\n",
      'lib/bullmq/fine.ts':
        "import { WorkerPool } from '../index';\nexport const p = WorkerPool;\n",
    });
    expect(run.status).to.not.equal(0);
    expect(run.output).to.match(/integration-bypasses-public-entry: lib\/threads\/planted\.ts/);
    expect(run.output).to.not.match(/lib\/bullmq\/fine\.ts/);
  });

  it("fails on the CLI reaching past the integrations' entries", () => {
    const run = cruise({
      ...INDEX,
      ...POOL,
      'lib/threads/index.ts': "export * from './thread-handler';\n",
      'lib/threads/thread-handler.ts': 'export const threadHandler = 1;\n',
      'lib/cli/planted.ts':
        "import { threadHandler } from '../threads/thread-handler';\nimport { WorkerPool } from '../index';\nexport const p = [threadHandler, WorkerPool];\n",
    });
    expect(run.output).to.match(
      /cli-bypasses-public-entries: lib\/cli\/planted\.ts → lib\/threads\/thread-handler\.ts/,
    );
    expect(run.output).to.not.match(/→ lib\/index\.ts/);
  });

  it("fails on a deep import into a package's dist/ or internal/", () => {
    const run = cruise({
      'node_modules/pkg/package.json': JSON.stringify({ name: 'pkg', main: 'dist/main.js' }),
      'node_modules/pkg/dist/main.js': 'exports.entry = 1;\n',
      'node_modules/pkg/dist/worker_pool/balancer/index.js': 'exports.deep = 1;\n',
      'node_modules/pkg/dist/cjs/internal/Observable.js': 'exports.deep = 1;\n',
      'lib/threads/entry.ts': "export { entry } from 'pkg';\n",
      'lib/threads/deep.ts': "export { deep } from 'pkg/dist/worker_pool/balancer';\n",
      'lib/threads/internal.ts': "export { deep } from 'pkg/dist/cjs/internal/Observable';\n",
    });
    expect(run.output).to.match(/no-package-internals: lib\/threads\/deep\.ts/);
    expect(run.output).to.match(/no-package-internals: lib\/threads\/internal\.ts/);
    expect(run.output).to.not.match(/lib\/threads\/entry\.ts/);
  });

  it('fails on a cycle', () => {
    const run = cruise({
      'lib/task/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'lib/task/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    expect(run.output).to.match(/no-circular/);
  });
});
