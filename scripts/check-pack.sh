#!/usr/bin/env bash
# Packs the library and installs the tarball into throwaway consumer projects, one on the lowest
# rxjs the peer range allows (7.5.0) and one on the newest 7.x, then uses it from strict
# TypeScript, from CommonJS and from ESM, and checks that the consumer has a single rxjs (a
# nested second copy breaks every Observable crossing the boundary).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"

# What is shipped: compiled code, types, the schema and defaults, the licence; no specs.
listing="$(tar -tzf "$work/$tarball")"
for wanted in package/dist/index.js package/dist/index.mjs package/dist/index.d.ts \
  package/dist/threads/index.js package/dist/threads/index.mjs package/dist/threads/index.d.ts \
  package/dist/threads/thread-worker.js package/dist/bullmq/index.js package/dist/bullmq/index.mjs \
  package/dist/testing/index.js package/dist/testing/index.mjs package/dist/testing/index.d.ts \
  package/dist/tracing/index.js package/dist/tracing/index.mjs package/dist/tracing/index.d.ts \
  package/config/schema.json package/LICENSE; do
  grep -qx "$wanted" <<<"$listing" || { echo "pack check: $wanted missing from $tarball"; exit 1; }
done
if grep -q '^package/spec/' <<<"$listing"; then echo "pack check: specs shipped"; exit 1; fi

for rxjs in 7.5.0 7; do
  consumer="$work/consumer-rxjs-$rxjs"
  mkdir -p "$consumer" && cd "$consumer"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund --prefer-offline "$work/$tarball" "rxjs@$rxjs" @types/node@20 >/dev/null
  copies="$(find node_modules -name package.json -path '*/rxjs/package.json' -not -path '*/rxjs/*/rxjs/*' | wc -l)"
  [[ $copies == 1 ]] || { echo "pack check: $copies copies of rxjs with rxjs@$rxjs"; exit 1; }

  cat > consumer.ts <<'TS'
import { from, lastValueFrom, toArray } from 'rxjs';
import { WorkerPool, Priority, runInPool, type TaskResult } from 'rxjs-worker-pool';
import { threadHandler, WorkerThreadError, type ThreadHandlerOptions } from 'rxjs-worker-pool/threads';
const threadOptions: ThreadHandlerOptions = { filename: 'square.worker.js', threads: { max: 2 } };
void [threadHandler, WorkerThreadError, threadOptions];
const pool = new WorkerPool<number, number>({ handler: async (n) => n * 2 });
async function main(): Promise<void> {
  const value: number = await pool.submit(21, { priority: Priority.HIGH });
  // An Observable of the consumer's rxjs goes in, and results come out typed.
  const results: TaskResult<number, number>[] = await lastValueFrom(
    from([1, 2]).pipe(runInPool(pool), toArray()),
  );
  const doubled = results.map((r) => (r.status === 'succeeded' ? r.value : -1));
  console.log(`ts: ${value} ${doubled.join(',')}`);
  await pool.shutdown();
}
void main();
TS
  cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "commonjs", "target": "ES2022", "esModuleInterop": true, "skipLibCheck": false, "types": ["node"] } }
JSON
  "$root/node_modules/.bin/tsc" -p tsconfig.json
  [[ "$(node consumer.js)" == "ts: 42 2,4" ]] || { echo "pack check: TS consumer on rxjs@$rxjs"; exit 1; }

  cat > consumer.cjs <<'JS'
const { WorkerPool } = require('rxjs-worker-pool');
const pool = new WorkerPool({ handler: async (n) => n + 1 });
pool.submit(41).then(async (v) => { console.log(`cjs: ${v}`); await pool.shutdown(); });
JS
  [[ "$(node consumer.cjs)" == "cjs: 42" ]] || { echo "pack check: CJS consumer on rxjs@$rxjs"; exit 1; }

  # The root entry loads none of the optional integrations.
  cat > light.cjs <<'JS'
require('rxjs-worker-pool');
const heavy = Object.keys(require.cache).filter((f) => /node_modules[\\/](piscina|bullmq|ioredis|prom-client|pino-pretty)[\\/]/.test(f));
console.log(`light: ${heavy.join(',') || 'none'}`);
JS
  [[ "$(node light.cjs)" == "light: none" ]] || { echo "pack check: root entry loads $(node light.cjs)"; exit 1; }

  # A marble test from the testing entry, with a Promise handler, from ESM.
  cat > marbles.mjs <<'JS'
import { firstValueFrom, map, timer } from 'rxjs';
import { WorkerPool } from 'rxjs-worker-pool';
import { marbles } from 'rxjs-worker-pool/testing';
await marbles(({ cold, expectObservable, scheduler }) => {
  const handler = async (n) => (await firstValueFrom(timer(2, scheduler)), n * 2);
  const pool = new WorkerPool({ scheduler, concurrency: 1, handler });
  expectObservable(pool.process(cold('(ab|)', { a: 1, b: 2 })).pipe(map((r) => r.value))).toBe('--x-(y|)', { x: 2, y: 4 });
});
console.log('marbles: ok');
JS
  [[ "$(node marbles.mjs 2>&1)" == "marbles: ok" ]] || { echo "pack check: testing entry: $(node marbles.mjs 2>&1)"; exit 1; }

  # The BullMQ entry loads without its optional peers, and says what to install when used.
  cat > bullmq.cjs <<'JS'
const { WorkerPool } = require('rxjs-worker-pool');
const { consumeBullMQ, toBullMQPriority } = require('rxjs-worker-pool/bullmq');
const pool = new WorkerPool({ handler: (n) => n });
consumeBullMQ(pool, { queueName: 'q', connection: {} }).subscribe({
  error: async (e) => { console.log(`bullmq: ${toBullMQPriority('high')} ${e.message.includes('npm install bullmq')}`); await pool.shutdown(); },
});
JS
  [[ "$(node bullmq.cjs 2>&1)" == "bullmq: 2 true" ]] || { echo "pack check: bullmq entry: $(node bullmq.cjs 2>&1)"; exit 1; }

  # The command line from the packed build (package bin).
  echo 'module.exports = (input) => input.n * 2;' > double.js
  [[ "$(node_modules/.bin/rxjs-worker-pool --version)" == "$(node -p "require('rxjs-worker-pool/package.json').version")" ]] ||
    { echo "pack check: rxjs-worker-pool --version"; exit 1; }
  cli_out="$(echo '{"n":21}' | node_modules/.bin/rxjs-worker-pool run --handler double.js --input - --quiet)"
  [[ "$cli_out" == *'"value":42'* ]] || { echo "pack check: CLI run printed: $cli_out"; exit 1; }

  # A .ts handler in a fresh project (no tsconfig) with ts-node and TypeScript 5: the CLI
  # supplies CommonJS settings. With TypeScript 7, an exit-2 message names typescript@5.
  if [[ $rxjs == 7 ]]; then
    fresh="$work/fresh-ts"
    mkdir -p "$fresh" && cd "$fresh"
    npm init -y >/dev/null
    npm install --silent --no-audit --no-fund --prefer-offline "$work/$tarball" rxjs@7 ts-node@10 typescript@5 >/dev/null
    echo 'export default (input: { n: number }): number => input.n * 3;' > triple.ts
    ts_out="$(echo '{"n":14}' | node_modules/.bin/rxjs-worker-pool run --handler triple.ts --input - --quiet 2>&1)"
    [[ "$ts_out" == *'"value":42'* ]] || { echo "pack check: .ts handler in a fresh project: $ts_out"; exit 1; }
    sed -i 's/"version": "[^"]*"/"version": "7.0.0"/' node_modules/typescript/package.json
    set +e
    ts7_out="$(echo '{"n":14}' | node_modules/.bin/rxjs-worker-pool run --handler triple.ts --input - --quiet 2>&1)"
    ts7_code=$?
    set -e
    [[ $ts7_code == 2 && "$ts7_out" == *'typescript@5'* ]] ||
      { echo "pack check: TypeScript 7 ($ts7_code): $ts7_out"; exit 1; }
    echo "pack check: .ts handler: fresh project ok, TypeScript 7 refused"
    cd "$consumer"
  fi

  # Worker threads from the packed build: the thread entry ships and finds the user's file.
  echo 'module.exports = (n) => n * n;' > square.worker.js
  cat > threads.cjs <<'JS'
const path = require('path');
const { WorkerPool } = require('rxjs-worker-pool');
const { threadHandler } = require('rxjs-worker-pool/threads');
const pool = new WorkerPool({ handler: threadHandler({ filename: path.join(__dirname, 'square.worker.js'), threads: { max: 2 } }) });
Promise.all([3, 4].map((n) => pool.submit(n))).then(async (v) => { console.log(`threads: ${v.join(',')}`); await pool.shutdown(); });
JS
  [[ "$(node threads.cjs)" == "threads: 9,16" ]] || { echo "pack check: threads consumer on rxjs@$rxjs"; exit 1; }

  cat > consumer.mjs <<'JS'
import { WorkerPool, priorityMerge } from 'rxjs-worker-pool';
import { threadHandler } from 'rxjs-worker-pool/threads';
import pkg from 'rxjs-worker-pool/package.json' with { type: 'json' };
const pool = new WorkerPool({ handler: async (n) => n + 1 });
const v = await pool.submit(41);
const squares = new WorkerPool({ handler: threadHandler({ filename: new URL('./square.worker.js', import.meta.url) }) });
console.log(`esm: ${v} ${typeof priorityMerge} ${pkg.name} ${await squares.submit(5)}`);
await Promise.all([pool.shutdown(), squares.shutdown()]);
JS
  [[ "$(node consumer.mjs)" == "esm: 42 function rxjs-worker-pool 25" ]] || { echo "pack check: ESM consumer on rxjs@$rxjs"; exit 1; }
  echo "pack check: rxjs@$rxjs: TS, CJS and ESM consumers ok"
done
echo "pack check: ok ($tarball)"
