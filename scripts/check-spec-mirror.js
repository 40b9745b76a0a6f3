#!/usr/bin/env node
// Specs mirror lib/ file by file (DESIGN.md "Layout"): every lib/**/*.ts with code of its own
// has spec/**/<same path>.spec.ts. Exempt: files that only declare types or re-export (an
// index.ts, task-options.ts), generated validators, and the gaps listed below, which this
// check keeps from growing: a new file without its spec fails lint.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');

/** Files whose behaviour is specified elsewhere today; remove a line when its spec lands. */
const KNOWN_GAPS = new Set([
  'lib/bullmq/priority.ts', // spec/bullmq/consume-bullmq.spec.ts "BullMQ priorities"
  'lib/cli/build-pool.ts', // spec/cli/run-command.spec.ts, spec/cli/bullmq-commands.spec.ts
  'lib/cli/json-results.ts', // spec/cli/run-command.spec.ts
  'lib/cli/jsonl.ts', // spec/cli/run-command.spec.ts
  'lib/cli/load-handler.ts', // spec/cli/run-command.spec.ts
  'lib/cli/run-report.ts', // spec/cli/report.spec.ts
  'lib/cli/stray-errors.ts', // spec/cli/run-command.spec.ts
  'lib/cli/usage-error.ts', // spec/cli/main.spec.ts
  'lib/config/pool-config-schema.ts', // spec/config/schema.spec.ts
  'lib/errors/batch-error.ts', // the errors: through the parts that throw them
  'lib/errors/circuit-open-error.ts',
  'lib/errors/config-error.ts',
  'lib/errors/duplicate-task-id-error.ts',
  'lib/errors/non-retryable-error.ts',
  'lib/errors/pool-closed-error.ts',
  'lib/errors/queue-full-error.ts',
  'lib/errors/task-cancelled-error.ts',
  'lib/errors/task-timeout-error.ts',
  'lib/errors/to-error.ts',
  'lib/errors/worker-pool-error.ts',
  'lib/merge/is-limit.ts', // spec/pool/concurrency-control.spec.ts
  'lib/merge/linked-observer.ts', // spec/operators/priority-merge.spec.ts
  'lib/pool/abort-watchers.ts', // spec/pool/pool-engine.spec.ts "caller cancellation"
  'lib/pool/check-options.ts', // spec/pool/worker-pool.spec.ts "options"
  'lib/pool/run-in-pool.ts', // spec/pool/worker-pool.spec.ts "process() and runInPool()"
  'lib/threads/thread-options.ts', // spec/threads/thread-handler.spec.ts "options are checked"
  'lib/threads/thrown-value.ts', // spec/threads/thread-handler.spec.ts
  'lib/threads/transfer.ts', // spec/threads/thread-handler.spec.ts "transfer()"
  'lib/threads/worker-thread-error.ts', // spec/threads/thread-handler.spec.ts
]);

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** True when the file declares only types, or only re-exports: nothing of its own runs. */
function declaresNothingThatRuns(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  return source.statements.every(
    (statement) =>
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isImportDeclaration(statement) ||
      (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined),
  );
}

const missing = [];
const stale = [];
for (const file of sourceFiles(path.join(root, 'lib'))) {
  const relative = path.relative(root, file).split(path.sep).join('/');
  const spec = relative.replace(/^lib\//, 'spec/').replace(/\.ts$/, '.spec.ts');
  const hasSpec = fs.existsSync(path.join(root, spec));
  if (KNOWN_GAPS.has(relative)) {
    if (hasSpec) stale.push(relative);
    continue;
  }
  if (!hasSpec && !declaresNothingThatRuns(file)) missing.push(`${relative} (no ${spec})`);
}
if (missing.length === 0 && stale.length === 0) {
  console.log(
    `check-spec-mirror: every lib/ file with code has its spec (${KNOWN_GAPS.size} known gaps)`,
  );
  process.exit(0);
}
for (const line of missing) console.error(`check-spec-mirror: missing spec: ${line}`);
for (const line of stale)
  console.error(`check-spec-mirror: ${line} has its spec now: take it off KNOWN_GAPS`);
process.exit(1);
