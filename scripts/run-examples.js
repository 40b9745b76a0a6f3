#!/usr/bin/env node
// Runs every samples/*.ts in its own process (ts-node, transpile-only), shows what each
// printed, and reports PASS/FAIL.
// A sample passes when it exits by itself with an accepted code within the time limit.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const samplesDir = path.join(root, 'samples');
const TIMEOUT_MS = 30_000;
// graceful-shutdown exits 1 when its shutdown deadline cut work off: that is expected too.
const ACCEPTED_CODES = { 'graceful-shutdown.ts': [0, 1] };

function runSample(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join('samples', file)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const accepted = ACCEPTED_CODES[file] ?? [0];
      const ok = !timedOut && accepted.includes(code);
      const why = timedOut
        ? `timed out after ${TIMEOUT_MS / 1000} s, killed`
        : signal
          ? `killed by ${signal}`
          : `exit code ${code}`;
      resolve({ file, ok, why, durationMs: Date.now() - started, output });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ file, ok: false, why: error.message, durationMs: Date.now() - started, output });
    });
  });
}

async function main() {
  const files = fs
    .readdirSync(samplesDir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();
  if (files.length === 0) {
    console.error(`No samples found in ${samplesDir}`);
    process.exit(1);
  }
  let failed = 0;
  for (const file of files) {
    const result = await runSample(file);
    const seconds = (result.durationMs / 1000).toFixed(1);
    console.log(
      `${result.ok ? 'PASS' : 'FAIL'}  ${file.padEnd(24)} ${seconds.padStart(5)} s  (${result.why})`,
    );
    if (!result.ok) failed++;
    // What the sample printed (its last 30 lines when it failed): the point of running it.
    const lines = result.output.trimEnd().split('\n');
    const shown = result.ok ? lines : lines.slice(-30);
    if (shown.join('') !== '') console.log(shown.join('\n').replace(/^/gm, '      | '));
  }
  console.log(`\n${files.length - failed}/${files.length} samples passed`);
  process.exit(failed > 0 ? 1 : 0);
}

main();
