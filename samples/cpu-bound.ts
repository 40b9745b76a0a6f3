/**
 * CPU-bound work on worker threads: the same pool (priorities, timeouts, retries, metrics), with
 * the handler running on every core through rxjs-worker-pool/threads.
 *
 *   npx ts-node --transpile-only samples/cpu-bound.ts
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatMetrics, WorkerPool } from '../lib';
import { threadHandler, transfer } from '../lib/threads';
import type { Picture, Processed } from './workers/pixels.worker';

const WORKER = path.join(__dirname, 'workers', 'pixels.worker.ts');

/** A generated 256×256 RGBA picture: a gradient with some noise. */
function picture(name: string, seed: number): Picture {
  const width = 256;
  const height = 256;
  const pixels = new Uint8Array(width * height * 4);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = ((i >> 2) % width) + (state % 32);
  }
  return { name, width, height, pixels };
}

async function main(): Promise<void> {
  const pool = new WorkerPool<Picture, Processed>({
    logging: { level: 'warn' },
    // One thread per core (the default); the pool runs that many attempts at once.
    handler: threadHandler({ filename: WORKER, name: 'blur' }),
    timeoutMs: 5_000,
  });

  const started = performance.now();
  const pictures = Array.from({ length: 24 }, (_, i) => picture(`photo-${i}`, i));
  // Thumbnails the user waits for go first; the bulk re-encode waits.
  const jobs = pictures.map((p, i) => {
    const priority = i % 6 === 0 ? 'high' : 'low';
    return pool.submit({ ...p, pixels: transfer(p.pixels) }, { priority });
  });
  const processed = await Promise.all(jobs);
  const ms = performance.now() - started;
  console.log(
    `${processed.length} pictures blurred on ${pool.metrics().threads?.count} threads in ${ms.toFixed(0)} ms; ` +
      `first fingerprint ${processed[0].fingerprint}, ${processed[0].pixels.byteLength} bytes moved back`,
  );
  console.log(`input buffers after the move: ${pictures[0].pixels.byteLength} bytes (detached)`);

  // A runaway filter: a synchronous infinite loop cannot be interrupted on the event loop, but on
  // a thread the timeout terminates it, and a fresh thread takes its place.
  const runaway = new WorkerPool<Picture, Processed>({
    logging: { level: 'silent' },
    handler: threadHandler({ filename: WORKER, name: 'runaway', threads: { max: 1 } }),
    timeoutMs: 300,
    retry: { maxAttempts: 1 },
  });
  const error = await runaway.submit(picture('stuck', 99)).catch((e: Error) => e);
  console.log(`runaway filter: ${(error as Error).name} after its 300 ms deadline`);

  console.log(formatMetrics(pool.metrics()));
  await Promise.all([pool.shutdown(), runaway.shutdown()]);
  console.log(`after shutdown: ${pool.metrics().threads?.count} threads`);
}

void main();
