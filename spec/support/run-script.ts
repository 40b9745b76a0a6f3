import { execFile } from 'node:child_process';
import * as path from 'node:path';

/** How a script run in its own process ended. */
export interface ScriptOutcome {
  /** Killed at the time limit: something kept its event loop alive. */
  killed: boolean;
  code: number | null;
  stdout: string;
}

/**
 * Runs a TypeScript file in a fresh Node process (ts-node, transpile-only) from the project's
 * root, killed after `timeoutMs` (15 s): for specs that a process exits by itself.
 */
export function runScript(
  file: string,
  args: string[] = [],
  timeoutMs = 15_000,
): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', file, ...args],
      { cwd: path.join(__dirname, '..', '..'), timeout: timeoutMs },
      (error, stdout) =>
        resolve({
          killed: error?.killed ?? false,
          code: typeof error?.code === 'number' ? error.code : 0,
          stdout,
        }),
    );
  });
}
