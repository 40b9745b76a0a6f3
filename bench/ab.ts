/**
 * Before/after: W1 and W2 (bench/throughput.ts) of this tree and of another commit, in one
 * interleaved run, each sample in a fresh process. The way to show that a restructuring kept
 * the pool's speed: same machine, same rounds, so the ratio is steadier than two separate runs.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/ab.ts --base <commit> [--rounds 7] [--size 200000]
 *
 * The base commit is checked out into a temporary git worktree (sharing this node_modules) and
 * removed at the end. Nothing is written to RESULTS.md: the table goes to stdout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmtCount, fmtRatio, isolatedCase, markdownTable, med, runInterleaved } from './harness';

const ROOT = resolve(__dirname, '..');
const CASES = {
  W1: 'pool (timeout+retry+metrics, priorities)',
  W2: 'pool bare (no timeout, 1 attempt, priorities)',
} as const;

function option(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : fallback;
  if (value === undefined) throw new Error(`bench/ab.ts needs --${name}`);
  return value;
}

async function main(): Promise<void> {
  const base = option('base');
  const rounds = Number(option('rounds', '7'));
  const size = Number(option('size', '200000'));
  const tree = mkdtempSync(join(tmpdir(), 'bench-ab-'));
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const baseCommit = git('rev-parse', '--short', base);
  const head = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  git('worktree', 'add', '--detach', tree, base);
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    const script = (root: string): string => join(root, 'bench', 'throughput.ts');
    if (!existsSync(script(tree))) throw new Error(`${base} has no bench/throughput.ts`);
    const label = (which: string, name: string): string => `${which} ${name}`;
    const cases = Object.entries(CASES).flatMap(([, name]) => [
      { ...isolatedCase(name, size, script(tree)), name: label('before', name) },
      { ...isolatedCase(name, size, script(ROOT)), name: label('after', name) },
    ]);
    process.stderr.write(
      `A/B ${baseCommit} -> ${head}${dirty ? '+changes' : ''}: ${rounds} rounds\n`,
    );
    const results = await runInterleaved(cases, {
      rounds,
      onSample: (name, round) => process.stderr.write(`  round ${round + 1}: ${name}\n`),
    });
    const rows = Object.entries(CASES).map(([workload, name]) => {
      const before = med(results, label('before', name), 'tps');
      const after = med(results, label('after', name), 'tps');
      return [workload, fmtCount(before), fmtCount(after), fmtRatio(after / before)];
    });
    console.log(
      `${fmtCount(size)} no-op tasks, ${rounds} interleaved rounds, each sample in a fresh process; ` +
        `before = ${baseCommit}, after = ${head}${dirty ? ' with uncommitted changes' : ''}.\n`,
    );
    console.log(
      markdownTable(['workload', 'before tasks/s', 'after tasks/s', 'after / before'], rows),
    );
  } finally {
    git('worktree', 'remove', '--force', tree);
    rmSync(tree, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
