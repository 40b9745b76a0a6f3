import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/*
 * Mocha's global setup: the specs that run the CLI as a child process run its build
 * (dist/cli/main.js), as a user runs the package's bin, not lib/ through ts-node, which spends
 * about 2 s compiling in every child (1 s is 8 children here; the CLI specs start dozens). The
 * build is made once, before the first spec, whenever a file of lib/ is newer than it.
 */

const root = path.join(__dirname, '..', '..');
/** Written last by the build: its time is the build's. */
const BUILT = path.join(root, 'dist', 'tracing', 'index.mjs');

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function mochaGlobalSetup(): void {
  const sources = Math.max(
    newestIn(path.join(root, 'lib')),
    statSync(path.join(root, 'package.json')).mtimeMs,
  );
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed: the CLI specs need dist/');
}
