import { expect } from 'chai';
import pino from 'pino';
import { Writable } from 'node:stream';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { loadConfig } from '../../lib/config/load-config';
import { ConfigError } from '../../lib/errors/config-error';
import { setFlagsFromString } from 'node:v8';
import { silent } from '../support/pool-fixtures';

/** A pino logger at `level` whose lines land in `lines` as parsed objects. */
function capture(level: string): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

// A forced collection without starting node with --expose-gc: the flag is set at run time and
// a fresh context hands out the `gc` function.
setFlagsFromString('--expose-gc');

describe('WorkerPool config and logging', () => {
  it('fromConfig builds a pool from loadConfig output', async () => {
    const config = loadConfig({
      env: {
        WORKER_POOL_CONCURRENCY: '3',
        WORKER_POOL_RETRY_MAX_ATTEMPTS: '1',
        WORKER_POOL_LOGGING_LEVEL: 'silent',
      },
      overrides: { queue: { capacity: 10 } },
    });
    const pool = WorkerPool.fromConfig(config, async (n: number) => n + 1);
    expect(pool.metrics().concurrency).to.equal(3);
    expect(await pool.submit(1)).to.equal(2);
    let calls = 0;
    const failing = WorkerPool.fromConfig({ ...config }, async () => {
      calls++;
      throw new Error('no');
    });
    await failing.submit(undefined).catch(() => undefined);
    expect(calls).to.equal(1); // retry.maxAttempts from the environment
    await pool.shutdown();
    await failing.shutdown();
  });

  it('the constructor and loadConfig give the same messages for the same mistake', () => {
    let fromOptions: ConfigError | undefined;
    let fromConfig: ConfigError | undefined;
    try {
      new WorkerPool({ queue: { capacity: 0 }, logging: { level: 'silent' } });
    } catch (error) {
      fromOptions = error as ConfigError;
    }
    try {
      loadConfig({ env: {}, overrides: { queue: { capacity: 0 } } });
    } catch (error) {
      fromConfig = error as ConfigError;
    }
    expect(fromOptions?.problems.map((p) => [p.path, p.message])).to.deep.equal(
      // loadConfig also says which source the value came from.
      fromConfig?.problems.map((p) => [p.path, p.message.replace(' (in overrides)', '')]),
    );
    expect(fromOptions?.message).to.match(/queue\.capacity: must be >= 1, got 0/);
  });

  it('logs lifecycle events at info, and nothing per task: an expected failure is data, logged at debug', async () => {
    const run = async (level: 'info' | 'debug') => {
      const { logger, lines } = capture(level);
      const pool = new WorkerPool<string, string>({
        logger,
        retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
        handler: async (v) => {
          if (v === 'bad') throw new Error('bad input');
          return v;
        },
      });
      for (let i = 0; i < 50; i++) await pool.submit(`ok${i}`);
      await pool.submit('bad', { priority: 'high' }).catch(() => undefined);
      await pool.shutdown();
      return lines;
    };
    expect((await run('info')).map((l) => l.msg)).to.deep.equal([
      'worker pool started',
      'shutting down',
      'shut down',
    ]);
    const failed = (await run('debug')).find((l) => l.msg === 'task failed');
    expect(failed).to.include({ level: 20, taskId: '51', priority: 'high', attempt: 2 });
    expect(failed?.durationMs).to.be.a('number');
    expect((failed?.err as { message: string }).message).to.equal('bad input');
  });

  it('logs retries at debug', async () => {
    const { logger, lines } = capture('debug');
    const pool = new WorkerPool<string, string>({
      logger,
      retry: { maxAttempts: 2, backoff: { strategy: 'fixed', initialMs: 1, maxMs: 1 } },
      handler: async () => {
        throw new Error('flaky');
      },
    });
    await pool.submit('x').catch(() => undefined);
    await pool.shutdown();
    const retry = lines.find((l) => l.msg === 'retrying');
    expect(retry).to.include({
      level: 20,
      taskId: '1',
      priority: 'normal',
      attempt: 1,
      delayMs: 1,
    });
  });

  it('gives handlers a child logger bound to the task', async () => {
    const { logger, lines } = capture('info');
    const pool = new WorkerPool<string, void>({
      logger,
      handler: async (v, ctx) => ctx.logger.info({ v }, 'working'),
    });
    await pool.submit('in', { id: 'job-7', priority: 'critical' });
    await pool.shutdown();
    expect(lines.find((l) => l.msg === 'working')).to.include({
      taskId: 'job-7',
      priority: 'critical',
      attempt: 1,
      v: 'in',
    });
  });
});

describe('WorkerPool memory stays bounded', function () {
  this.timeout(30_000);

  it('6,000 pools made and shut down in a row free their histograms (no WebAssembly exhaustion)', async () => {
    // Before, each pool's ten HDR histograms waited for the GC's finalizers; a loop like this
    // ran WebAssembly memory out ("RuntimeError: unreachable") after ~4,500 pools.
    for (let i = 0; i < 6_000; i++) {
      const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
      await pool.submit(i);
      await pool.shutdown();
      if (i === 5_999) expect(pool.metrics().latency.runMs.max).to.be.at.least(0);
    }
  });
});
