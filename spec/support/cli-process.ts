import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/* The CLI run as a child process, as a user runs it: the specs of lib/cli/ stand on these. */

export const root = path.join(__dirname, '..', '..');
/**
 * The CLI's entry as the package's bin runs it: its build, which the specs' global setup
 * (build-for-children.ts) keeps up to date with lib/.
 */
export const MAIN = path.join(root, 'dist', 'cli', 'main.js');
/** A handler that returns its input. */
export const ECHO = path.join(root, 'spec', 'cli', 'fixtures', 'echo.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as a child process, from its build. */
export function start(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): {
  child: ChildProcess;
  done: Promise<Run>;
} {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

export const cli = (args: string[], options?: Parameters<typeof start>[1]): Promise<Run> =>
  start(args, options).done;

/** The JSON objects of a JSON Lines text. */
export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * A fresh directory per spec, removed after it: `scratch()` is its path, `file(name, text)`
 * writes a file there and returns its path.
 */
export function useScratchDir(): {
  scratch: () => string;
  file: (name: string, text: string) => string;
} {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rwp-cli-'));
  });
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const scratch = (): string => {
    if (dir === undefined) throw new Error('useScratchDir(): no spec is running');
    return dir;
  };
  const file = (name: string, text: string): string => {
    const full = path.join(scratch(), name);
    writeFileSync(full, text);
    return full;
  };
  return { scratch, file };
}
