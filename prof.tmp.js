const { WorkerPool } = require('./dist/pool/worker-pool');
const N = Number(process.env.N || 200000);
const prios = Array.from({ length: N }, () => (Math.random() * 4) | 0);
(async () => {
  for (let r = 0; r < 8; r++) {
    const pool = new WorkerPool({
      logging: { level: 'silent' },
      concurrency: 64,
      handler: async () => {},
      timeoutMs: 30000,
    });
    const all = new Array(N);
    for (let i = 0; i < N; i++) all[i] = pool.submit(i, { priority: prios[i] });
    await Promise.all(all);
    await pool.shutdown();
  }
})();
