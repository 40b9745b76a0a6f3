#!/usr/bin/env bash
# Packs the library and installs the tarball into a throwaway consumer project, then uses it
# from TypeScript (types must resolve under strict) and from plain CommonJS JavaScript.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --prefer-offline "./$tarball" @types/node@20 >/dev/null

cat > consumer.ts <<'TS'
import { WorkerPool, Priority, type TaskResult } from 'rxjs-worker-pool';
const pool = new WorkerPool<number, number>({ handler: async (n) => n * 2, logging: { level: 'silent' } });
pool.submit(21, { priority: Priority.HIGH }).then(async (value: number) => {
  const results: TaskResult<number, number>[] = [];
  console.log(`ts: ${value}`, results.length);
  await pool.shutdown();
});
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "commonjs", "target": "ES2022", "esModuleInterop": true, "skipLibCheck": false, "types": ["node"] } }
JSON
"$root/node_modules/.bin/tsc" -p tsconfig.json
node consumer.js

cat > consumer.js <<'JS'
const { WorkerPool } = require('rxjs-worker-pool');
const pool = new WorkerPool({ handler: async (n) => n + 1, logging: { level: 'silent' } });
pool.submit(41).then(async (v) => { console.log(`js: ${v}`); await pool.shutdown(); });
JS
node consumer.js
echo "pack check: ok ($tarball)"
