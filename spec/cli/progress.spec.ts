import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { MetricsRecorder } from '../../lib/metrics/metrics-recorder';
import {
  ProgressWriter,
  RATE_WINDOW_MS,
  RecentRate,
  estimatedTotal,
  progressLine,
} from '../../lib/cli/progress';

const metrics = () =>
  new MetricsRecorder({ startedAt: 0 }).snapshot(
    {
      active: 0,
      abandoned: 0,
      queuedByPriority: [0, 0, 0, 0],
      concurrency: 4,
      system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 },
    },
    0,
  );

describe('cli/progress', () => {
  it('the rate is over the last 10 s, not the whole run', () => {
    const rate = new RecentRate();
    // 1,000 tasks in the first second, then 10 a second.
    rate.sample(1_000, 1_000);
    let now = 1_000;
    let done = 1_000;
    let last = 0;
    while (now < 1_000 + 2 * RATE_WINDOW_MS) {
      now += 1_000;
      done += 10;
      last = rate.sample(now, done);
    }
    expect(last).to.be.closeTo(10, 0.5);
    // A lifetime average would say ~48/s.
    expect((done * 1000) / now).to.be.above(40);
  });

  it('with a file, the total is estimated from the bytes read, from the start', () => {
    const state = { done: 10, failed: 0, total: undefined, read: 100, elapsedMs: 1_000 };
    expect(estimatedTotal({ ...state, bytesRead: 1_000, bytesTotal: 20_000 })).to.equal(2_000);
    expect(estimatedTotal(state)).to.equal(undefined);
    const line = progressLine({ ...state, bytesRead: 1_000, bytesTotal: 20_000 }, metrics(), 5);
    expect(line).to.match(/^\[·+\] 10\/~2000  5\.0\/s  ETA 398 s  failed 0  concurrency 4$/);
    // Once read to its end, the total is exact.
    expect(progressLine({ ...state, total: 100 }, metrics(), 5)).to.contain('10/100');
  });

  it('a queue shows no bar and no "read" (worker)', () => {
    const line = progressLine({ done: 7, failed: 1, total: undefined, elapsedMs: 1 }, metrics(), 2);
    expect(line).to.equal('7 done  2.0/s  failed 1  concurrency 4');
  });

  it('off a TTY, notes and updates are plain lines', async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let text = '';
    (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (text += chunk.toString()));
    const writer = await ProgressWriter.create(stream, false);
    writer.update({ done: 1, failed: 0, total: 2, read: 2, elapsedMs: 1_000 }, metrics());
    writer.note('SIGINT: stopping');
    writer.finish();
    expect(text.split('\n')).to.deep.equal([
      '[##########··········] 1/2  1.0/s  ETA 1 s  failed 0  concurrency 4',
      'SIGINT: stopping',
      '',
    ]);
  });
});
