import { WorkerPool } from './dist/pool/worker-pool';
const fastq = require('fastq');
const N = Number(process.env.N ?? 200_000);
const prios = Array.from({ length: N }, () => (Math.random() * 4) | 0) as (0 | 1 | 2 | 3)[];
function cpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
async function pool(full: boolean) {
  const pool = new WorkerPool<number, void>({
    logging: { level: 'silent' },
    concurrency: 64,
    handler: async () => {},
    ...(full ? { timeoutMs: 30000 } : { retry: { maxAttempts: 1 } }),
  });
  const c0 = cpu();
  const all: Promise<void>[] = new Array(N);
  for (let i = 0; i < N; i++) all[i] = pool.submit(i, { priority: prios[i] });
  await Promise.all(all);
  const dt = cpu() - c0;
  await pool.shutdown();
  return Math.round(N / dt / 1000);
}
async function fq() {
  const q = fastq.promise(async () => {}, 64);
  const c0 = cpu();
  const all: Promise<void>[] = new Array(N);
  for (let i = 0; i < N; i++) all[i] = q.push(i);
  await Promise.all(all);
  return Math.round(N / (cpu() - c0) / 1000);
}
(async () => {
  const rows: number[][] = [];
  for (let r = 0; r < 7; r++) rows.push([await pool(true), await pool(false), await fq()]);
  const med = (i: number) => rows.map((r) => r[i]).sort((a, b) => a - b)[3];
  console.log(`k tasks/cpu-s median: full ${med(0)} bare ${med(1)} fastq ${med(2)}`);
})();
