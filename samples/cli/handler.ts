// The handler `npm start` runs: a mix of what real jobs do. `hash` is CPU work, `fetch` waits
// like I/O, `flaky` fails its first attempt (the retry succeeds), `broken` always fails.
import { createHash } from 'node:crypto';
import type { TaskContext } from '../../lib';

export interface Job {
  kind: 'hash' | 'fetch' | 'flaky' | 'broken';
  n: number;
}

export default async function handler(job: Job, ctx: TaskContext<Job>): Promise<string | number> {
  switch (job.kind) {
    case 'hash': {
      let digest = String(job.n);
      for (let i = 0; i < 2_000; i++) digest = createHash('sha256').update(digest).digest('hex');
      return digest.slice(0, 12);
    }
    case 'fetch':
      await new Promise((resolve) => setTimeout(resolve, 5 + (job.n % 25)));
      return job.n * 2;
    case 'flaky':
      if (ctx.attempt === 1) throw new Error(`upstream busy (job ${job.n})`);
      return `ok after ${ctx.attempt} attempts`;
    case 'broken':
      throw new TypeError(`job ${job.n} has a bad payload`);
  }
}
