/*
 * W8: what it costs to load the package and to read its cheap state.
 *
 * Import: each case runs in fresh processes (cold module cache, no JIT warm-up), interleaved,
 * and reports both the whole process (`node -e "require(X)"`, Node's own start-up included,
 * which is what a user's CLI pays) and the `require()` call alone, timed inside the process.
 * The package is loaded from dist/ (built first if missing), as users load it.
 *
 * Getters: `pool.size`, `pool.pending` and `metrics()` on a pool holding 10,000 queued tasks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { median } from './harness';

const ROOT = resolve(__dirname, '..');
const DIST = resolve(ROOT, 'dist', 'index.js');

export interface ImportTimes {
  /** Whole process, ms, per run. */
  processMs: number[];
  /** The require() call alone, ms, per run. */
  requireMs: number[];
}

/** Times `require(target)` in `runs` fresh processes per target, interleaved. */
export function importTimes(
  targets: Record<string, string>,
  runs: number,
): Map<string, ImportTimes> {
  if (!existsSync(DIST)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const out = new Map<string, ImportTimes>();
  for (const name of Object.keys(targets)) out.set(name, { processMs: [], requireMs: [] });
  for (let run = 0; run < runs; run++) {
    for (const [name, target] of Object.entries(targets)) {
      const script = `const t=process.hrtime.bigint();require(${JSON.stringify(target)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const started = process.hrtime.bigint();
      const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      if (child.status !== 0) throw new Error(`require(${target}) failed: ${child.stderr}`);
      const times = out.get(name) as ImportTimes;
      times.processMs.push(wall);
      times.requireMs.push(Number(child.stdout));
    }
  }
  return out;
}

/**
 * Nanoseconds per read, median of 5 batches of `n` (after a warm-up batch). `loop(n)` runs the
 * read `n` times inline and returns something derived from it, so no call through a shared
 * function slot (megamorphic once several reads are measured) is counted as the read's cost.
 */
export function nsPerRead(loop: (n: number) => number, n: number): number {
  let sink = 0;
  const batch = (): number => {
    const started = process.hrtime.bigint();
    sink += loop(n);
    return Number(process.hrtime.bigint() - started) / n;
  };
  batch();
  const samples = Array.from({ length: 5 }, batch);
  if (Number.isNaN(sink)) console.log(sink);
  return median(samples);
}

export const PACKAGE_ENTRY = DIST;
