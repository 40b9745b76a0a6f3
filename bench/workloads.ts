/*
 * The W1/W2 workload, shared by the scripts that measure against it (throughput.ts, and
 * tracing.ts for the cost of spans): no-op tasks at concurrency 64 with seeded random
 * priorities, through a pool configured as each case names.
 */
import { WorkerPool } from '../lib/pool/worker-pool';
import type { WorkerPoolOptions } from '../lib/pool/options';
import type { Priority } from '../lib/task/priority';

export const CONCURRENCY = 64;

// p-queue 9 is ESM-only; Node >= 20.19 loads it with require(esm).
type PQueueClass = typeof import('p-queue').default;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
export const PQueue: PQueueClass = (require('p-queue') as { default: PQueueClass }).default;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` priorities 0..3 from a fixed seed: every case and every peer gets the same ones. */
export function randomPriorities(count: number): Uint8Array {
  const random = mulberry32(0x5eed);
  const priorities = new Uint8Array(count);
  for (let i = 0; i < count; i++) priorities[i] = Math.floor(random() * 4);
  return priorities;
}

export const noop = async (): Promise<void> => {};

export type PoolKind = 'full' | 'full-no-timeout' | 'bare';

export function poolOptions(
  kind: PoolKind,
  handler: WorkerPoolOptions<number, void>['handler'],
): WorkerPoolOptions<number, void> {
  const base: WorkerPoolOptions<number, void> = {
    handler,
    concurrency: CONCURRENCY,
    logging: { level: 'silent' },
  };
  switch (kind) {
    case 'full': // timeout, retry (defaults: 3 attempts, exponential), metrics
      return { ...base, timeoutMs: 30_000, metrics: { intervalMs: 1000 } };
    case 'full-no-timeout':
      return { ...base, metrics: { intervalMs: 1000 } };
    case 'bare':
      return { ...base, retry: { maxAttempts: 1 } };
  }
}

/**
 * Submits n tasks with the given priorities and resolves when the pool is idle: the same as
 * the peers' loops (their push/add promises ignored, then onIdle/drained). A failure cannot
 * hide: the cases check metrics().succeeded afterwards.
 */
export function submitAll(
  pool: WorkerPool<number, void>,
  n: number,
  prio: (i: number) => Priority,
): Promise<void> {
  for (let i = 0; i < n; i++) void pool.submit(i, { priority: prio(i) });
  return pool.onIdle();
}
