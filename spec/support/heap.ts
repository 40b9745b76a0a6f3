import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A forced collection without starting node with --expose-gc: the flag is set at run time and
// a fresh context hands out the `gc` function.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The live heap after two full collections: memory specs compare what stays, not garbage. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;
