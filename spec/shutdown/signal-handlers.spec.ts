import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  listenForSignals,
  type ProcessHooks,
  installSignalHandlers,
} from '../../lib/shutdown/signal-handlers';
import type { ShutdownOptions, ShutdownReport } from '../../lib/shutdown/shutdown-report';
import { silent } from '../support/pool-fixtures';
import fc from 'fast-check';
import { VirtualTimeScheduler, timer, mergeMap } from 'rxjs';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { setFlagsFromString } from 'node:v8';

function fakeHooks() {
  const listeners = new Map<string, (signal: NodeJS.Signals) => void>();
  const exits: number[] = [];
  let exited!: (code: number) => void;
  const exitedOnce = new Promise<number>((resolve) => (exited = resolve));
  const hooks: ProcessHooks = {
    on: (signal, listener) => listeners.set(signal, listener),
    off: (signal) => listeners.delete(signal),
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
  };
  return { hooks, listeners, exits, exitedOnce };
}

const report = (timedOut: boolean): ShutdownReport<unknown> => ({
  completed: 1,
  cancelled: [],
  aborted: [],
  rejected: 0,
  withdrawn: 0,
  durationMs: 1,
  timedOut,
  cleanup: [],
});

// A forced collection without starting node with --expose-gc: the flag is set at run time and
// a fresh context hands out the `gc` function.
setFlagsFromString('--expose-gc');

describe('installSignalHandlers', () => {
  it('starts a shutdown with the deadline on the first signal and exits 0 when it drained', async () => {
    const { hooks, listeners, exitedOnce } = fakeHooks();
    const calls: ShutdownOptions[] = [];
    installSignalHandlers(
      { shutdown: async (o) => (calls.push(o ?? {}), report(false)) },
      ['SIGTERM', 'SIGINT'],
      1234,
      silent,
      hooks,
    );
    expect([...listeners.keys()]).to.deep.equal(['SIGTERM', 'SIGINT']);
    listeners.get('SIGTERM')?.('SIGTERM');
    expect(await exitedOnce).to.equal(0);
    expect(calls).to.deep.equal([{ timeoutMs: 1234 }]);
  });

  it('exits 1 when the deadline cut work', async () => {
    const { hooks, listeners, exitedOnce } = fakeHooks();
    installSignalHandlers({ shutdown: async () => report(true) }, ['SIGINT'], 10, silent, hooks);
    listeners.get('SIGINT')?.('SIGINT');
    expect(await exitedOnce).to.equal(1);
  });

  it('forces on a second signal and exits 128 + the signal number', async () => {
    const { hooks, listeners, exitedOnce } = fakeHooks();
    const calls: ShutdownOptions[] = [];
    installSignalHandlers(
      {
        shutdown: (o) => (
          calls.push(o ?? {}),
          o?.force ? Promise.resolve(report(true)) : new Promise(() => undefined)
        ),
      },
      ['SIGINT', 'SIGTERM'],
      30_000,
      silent,
      hooks,
    );
    listeners.get('SIGINT')?.('SIGINT');
    listeners.get('SIGTERM')?.('SIGTERM');
    expect(await exitedOnce).to.equal(128 + 15);
    expect(calls).to.deep.equal([{ timeoutMs: 30_000 }, { force: true }]);
  });

  it('removes its handlers when asked', () => {
    const { hooks, listeners } = fakeHooks();
    const remove = installSignalHandlers(
      { shutdown: async () => report(false) },
      ['SIGTERM'],
      1,
      silent,
      hooks,
    );
    remove();
    expect(listeners.size).to.equal(0);
  });
});

describe('the process-wide signal coordinator', () => {
  it('waits for every registered pool before exiting, with the worst code', async () => {
    const { hooks, listeners, exits, exitedOnce } = fakeHooks();
    const order: string[] = [];
    let finishSlow!: () => void;
    installSignalHandlers(
      { shutdown: async () => (order.push('fast done'), report(false)) },
      ['SIGTERM'],
      1,
      silent,
      hooks,
    );
    installSignalHandlers(
      {
        shutdown: () =>
          new Promise((resolve) => {
            finishSlow = () => {
              order.push('slow done');
              resolve(report(true));
            };
          }),
      },
      ['SIGTERM'],
      1,
      silent,
      hooks,
    );
    listeners.get('SIGTERM')?.('SIGTERM');
    await Promise.resolve();
    await Promise.resolve();
    expect(exits).to.deep.equal([]);
    finishSlow();
    expect(await exitedOnce).to.equal(1);
    expect(order).to.deep.equal(['fast done', 'slow done']);
    expect(exits).to.deep.equal([1]);
  });

  it('adds one process listener per signal however many pools register', () => {
    const { hooks } = fakeHooks();
    let added = 0;
    const counting: ProcessHooks = { ...hooks, on: (s, l) => (added++, hooks.on(s, l)) };
    const removers = Array.from({ length: 11 }, () =>
      installSignalHandlers(
        { shutdown: async () => report(false) },
        ['SIGINT', 'SIGTERM'],
        1,
        silent,
        counting,
      ),
    );
    expect(added).to.equal(2);
    removers.forEach((remove) => remove());
  });

  it('keeps listening until the last pool unregisters', () => {
    const { hooks, listeners } = fakeHooks();
    const first = installSignalHandlers(
      { shutdown: async () => report(false) },
      ['SIGINT'],
      1,
      silent,
      hooks,
    );
    const second = installSignalHandlers(
      { shutdown: async () => report(false) },
      ['SIGINT'],
      1,
      silent,
      hooks,
    );
    first();
    expect(listeners.has('SIGINT')).to.equal(true);
    second();
    expect(listeners.has('SIGINT')).to.equal(false);
  });
});

describe('handleSignals in a real process', function () {
  this.timeout(30_000);
  const fixture = path.join(__dirname, 'fixtures', 'signal-worker.ts');

  /**
   * Runs the fixture, sends the first signal once it says it is busy and the second once its
   * shutdown has started (signals sent together may be delivered in either order), and
   * gathers its output.
   */
  function runWorker(
    signals: NodeJS.Signals[],
    file = fixture,
  ): Promise<{ code: number | null; lines: string[] }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', file], {
        cwd: path.join(__dirname, '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          lines.push(line);
          if (line === 'busy') child.kill(signals[0]);
          if (line.startsWith('shutdown ') && signals[1] && !line.includes('force'))
            child.kill(signals[1]);
        }
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, lines }));
    });
  }

  it('SIGTERM mid-work: in-flight tasks finish, queued ones are reported, cleanup runs, exit 1 after the deadline', async () => {
    const { code, lines } = await runWorker(['SIGTERM']);
    const reportLine = lines.find((l) => l.startsWith('report '));
    expect(reportLine, lines.join('\n')).to.be.a('string');
    const r = JSON.parse((reportLine as string).slice('report '.length));
    // 2 slots: tasks 1 and 2 were running (they take 100 ms, deadline 300 ms: they finish);
    // 3 and 4 start after them and are aborted at the deadline; the rest were still queued.
    expect(r.completed).to.equal(2);
    expect(r.aborted.map((t: { input: number }) => t.input)).to.deep.equal([3, 4]);
    expect(r.cancelled.map((t: { input: number }) => t.input)).to.deep.equal([5, 6, 7, 8, 9, 10]);
    expect(lines).to.include('cleanup ran');
    expect(code).to.equal(1);
  });

  it('two signals force the shutdown and exit with 128 + the signal number', async () => {
    const { code, lines } = await runWorker(['SIGTERM', 'SIGINT']);
    expect(lines).to.include('cleanup ran');
    const r = JSON.parse(
      (lines.find((l) => l.startsWith('report ')) as string).slice('report '.length),
    );
    expect(r.aborted.map((t: { input: number }) => t.input)).to.deep.equal([1, 2]);
    expect(code).to.equal(128 + 2);
  });

  it('two pools in one process: the process exits after both shut down and ran their cleanups', async () => {
    const { code, lines } = await runWorker(
      ['SIGTERM'],
      path.join(__dirname, 'fixtures', 'two-pools-worker.ts'),
    );
    expect(lines).to.include('fast cleanup 0 0');
    const slowLine = lines.find((l) => l.startsWith('slow cleanup '));
    expect(slowLine, lines.join('\n')).to.be.a('string');
    const [completed, cut] = (slowLine as string).split(' ').slice(2).map(Number);
    expect(completed + cut).to.equal(10_000);
    // The slow pool's deadline cut work: the worst code wins.
    expect(code).to.equal(1);
  });
});

describe('onSignals', () => {
  it('calls first for the first signal and again for every later one, of any listed kind', () => {
    const { hooks, listeners } = fakeHooks();
    const calls: string[] = [];
    listenForSignals(
      {
        first: (signal) => calls.push(`first ${signal}`),
        again: (signal) => calls.push(`again ${signal}`),
      },
      ['SIGINT', 'SIGTERM'],
      hooks,
    );
    listeners.get('SIGTERM')?.('SIGTERM');
    listeners.get('SIGINT')?.('SIGINT');
    listeners.get('SIGTERM')?.('SIGTERM');
    expect(calls).to.deep.equal(['first SIGTERM', 'again SIGINT', 'again SIGTERM']);
  });

  it('removes its listeners when asked', () => {
    const { hooks, listeners } = fakeHooks();
    const stop = listenForSignals(
      { first: () => undefined, again: () => undefined },
      ['SIGINT'],
      hooks,
    );
    expect(listeners.has('SIGINT')).to.equal(true);
    stop();
    expect(listeners.has('SIGINT')).to.equal(false);
  });
});

describe('two pools under one signal coordinator', function () {
  this.timeout(30_000);

  it('two pools under one signal coordinator: exit comes once, after both drained, with the worst code', async () => {
    const plan = fc.record({
      tasks: fc.array(
        fc.record({
          pool: fc.integer({ min: 0, max: 1 }),
          at: fc.integer({ min: 0, max: 30 }),
          ms: fc.integer({ min: 1, max: 20 }),
        }),
        { maxLength: 30 },
      ),
      deadlines: fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })),
      signalAt: fc.integer({ min: 0, max: 40 }),
      secondSignalAt: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const scheduler = new VirtualTimeScheduler(undefined, Infinity);
        const listeners = new Map<string, (signal: NodeJS.Signals) => void>();
        const exits: number[] = [];
        const reports: ShutdownReport<number>[] = [];
        const hooks: ProcessHooks = {
          on: (signal, listener) => listeners.set(signal, listener),
          off: (signal) => listeners.delete(signal),
          exit: (code) => exits.push(code),
        };
        const pools = p.deadlines.map(
          () =>
            new WorkerPool<number, number>({
              logger: silent,
              scheduler,
              concurrency: 2,
              abortGraceMs: 1,
              handler: (ms) => timer(ms, scheduler).pipe(mergeMap(() => [ms])),
            }),
        );
        const results = pools.map(() => 0);
        pools.forEach((pool, index) => {
          pool.results$.subscribe(() => results[index]++);
          const shutdown = pool.shutdown.bind(pool);
          const target = {
            shutdown: (options?: ShutdownOptions) =>
              shutdown(options).then((report) => {
                if (!reports.includes(report)) reports.push(report);
                return report;
              }),
          };
          installSignalHandlers(target, ['SIGTERM', 'SIGINT'], p.deadlines[index], silent, hooks);
        });
        const accepted = pools.map(() => 0);
        for (const task of p.tasks) {
          scheduler.schedule(() => {
            if (reports.length > 0 || listenersFired) return;
            accepted[task.pool]++;
            pools[task.pool].submit(task.ms).catch(() => undefined);
          }, task.at);
        }
        let listenersFired = false;
        scheduler.schedule(() => {
          listenersFired = true;
          listeners.get('SIGTERM')?.('SIGTERM');
        }, p.signalAt);
        if (p.secondSignalAt !== undefined) {
          scheduler.schedule(
            () => listeners.get('SIGINT')?.('SIGINT'),
            p.signalAt + p.secondSignalAt,
          );
        }
        // Virtual time and promise callbacks interleave until both pools have shut down.
        for (let round = 0; round < 200 && exits.length === 0; round++) {
          scheduler.flush();
          await new Promise((resolve) => setImmediate(resolve));
        }
        expect(exits, 'exit exactly once').to.have.length(1);
        expect(reports, 'both pools reported before the exit').to.have.length(2);
        expect(results, 'one result per accepted task').to.deep.equal(accepted);
        const worst = reports.some((r) => r.timedOut) ? 1 : 0;
        expect(exits[0]).to.be.oneOf([worst, 128 + 2]);
      }),
      { numRuns: 60 },
    );
  });
});
