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
module.exports = { work };
