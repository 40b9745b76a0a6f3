'use strict';
// The CPU task every peer runs: `rounds` SHA-256 hashes chained (~1 ms at the bench's default),
// or nothing at all for the no-op dispatch case.
const { createHash } = require('node:crypto');

function work(task) {
  if (!task || !task.rounds) return 0;
  let digest = task.seed;
  for (let i = 0; i < task.rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
  return digest.length;
}
/**
 * The SHA-256 rounds that take about 1 ms on this machine's main thread: warmed up first, then
 * the fastest of several measurements (the least disturbed by other load on a noisy VM).
 */
function calibrate() {
  const base = 500;
  for (let k = 0; k < 200; k++) work({ seed: `w${k}`, rounds: base });
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    for (let k = 0; k < 100; k++) work({ seed: `c${k}`, rounds: base });
    best = Math.min(best, (performance.now() - start) / 100);
  }
  return Math.max(1, Math.round(base / best));
}
module.exports = { work, calibrate };
