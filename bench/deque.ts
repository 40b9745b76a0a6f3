/**
 * The channel's deque: our RingDeque against denque (the npm package made for the job), on
 * what the channel does with it: FIFO push/shift with a backlog, and what stays allocated
 * once a large backlog has drained. W1 with each in the channel was measured with bench/ab.ts
 * (a throw-away commit swapping the class); those figures are quoted in RESULTS.md.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/deque.ts [--quick]
 */
import Denque from 'denque';
import { RingDeque } from '../lib/channel/ring-deque';
import {
  fmtCount,
  fmtRatio,
  markdownTable,
  med,
  parseArgs,
  publishReport,
  runInterleaved,
  type BenchCase,
} from './harness';

const args = parseArgs();
const OPS = args.quick ? 1_000_000 : 5_000_000;
const BACKLOG = 100_000;
const ROUNDS = args.rounds ?? (args.quick ? 3 : 7);

interface FifoQueue {
  push(item: object): void;
  shift(): object | undefined;
}

/** push/shift pairs per second over a standing backlog (the channel's steady state). */
function fifoCase(name: string, make: () => FifoQueue): BenchCase {
  return {
    name,
    run: async () => {
      const queue = make();
      const item = {};
      for (let i = 0; i < BACKLOG; i++) queue.push(item);
      const start = process.hrtime.bigint();
      for (let i = 0; i < OPS; i++) {
        queue.push(item);
        queue.shift();
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      return { tps: OPS / seconds };
    },
  };
}

/** Buffer slots still allocated after 1,000,000 queued items drain to 10 (FIFO). */
function retainedSlots(): { ring: number; denque: number } {
  const ring = new RingDeque<object>();
  const denque = new Denque<object>();
  for (let i = 0; i < 1_000_000; i++) {
    ring.push({});
    denque.push({});
  }
  for (let i = 0; i < 999_990; i++) {
    ring.shift();
    denque.shift();
  }
  // denque keeps its array in `_list` (no public accessor for its capacity).
  return { ring: ring.capacity, denque: (denque as unknown as { _list: unknown[] })._list.length };
}

async function main(): Promise<void> {
  const RING = 'RingDeque (lib/channel/ring-deque.ts)';
  const DENQUE = 'denque 2';
  const results = await runInterleaved(
    [fifoCase(RING, () => new RingDeque<object>()), fifoCase(DENQUE, () => new Denque<object>())],
    { rounds: ROUNDS, warmupRounds: 1 },
  );
  const slots = retainedSlots();
  const ring = med(results, RING, 'tps');
  const denque = med(results, DENQUE, 'tps');
  const report = [
    '# Deque — RingDeque vs denque',
    '',
    `${fmtCount(OPS)} push/shift pairs over a backlog of ${fmtCount(BACKLOG)}, ${ROUNDS} interleaved rounds (median ops/s); then the buffer left after 1,000,000 queued items drain to 10.`,
    '',
    markdownTable(
      ['deque', 'push+shift pairs/s', 'vs RingDeque', 'slots kept after draining 1M to 10'],
      [
        [RING, fmtCount(ring), '1.00x', fmtCount(slots.ring)],
        [DENQUE, fmtCount(denque), fmtRatio(denque / ring), fmtCount(slots.denque)],
      ],
    ),
  ].join('\n');
  publishReport('deque', 'Deque — RingDeque vs denque', report, args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
