const inspector = require('inspector');
const { WorkerPool } = require('./dist/pool/worker-pool');
const session = new inspector.Session();
session.connect();
const post = (m, p) =>
  new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
const N = Number(process.env.N || 200000);
const prios = Array.from({ length: N }, () => (Math.random() * 4) | 0);
async function round() {
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
(async () => {
  await round();
  await post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  await round();
  const { profile } = await post('HeapProfiler.stopSampling');
  const self = new Map();
  const walk = (n, stack) => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
    self.set(key, (self.get(key) || 0) + n.selfSize);
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  let total = 0;
  for (const v of self.values()) total += v;
  console.log('total MB', (total / 1e6).toFixed(1), 'bytes/task', Math.round(total / N));
  [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .forEach(([k, v]) => console.log(String(Math.round(v / N)).padStart(5), 'B/task', k));
})();
