import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { Writable } from 'node:stream';
import { WorkerPool } from '../../lib/pool/worker-pool';
import type { PoolInstrumentation } from '../../lib/pool/instrumentation';
import { TaskTimeoutError } from '../../lib/errors/task-timeout-error';
import { batchHandler } from '../../lib/task/batch-handler';
import { silent } from '../support/pool-fixtures';

/** An instrumentation that writes down every call, in order. */
function recorder(log: string[], name = ''): PoolInstrumentation<string, string> {
  return {
    accepted: (task) => log.push(`${name}accepted ${task.id}`),
    attempt: (task, attempt, run) => {
      log.push(`${name}attempt ${task.id}#${attempt}`);
      return run();
    },
    attemptEnded: (task, attempt, outcome, error) =>
      log.push(
        `${name}attemptEnded ${task.id}#${attempt} ${outcome}${error ? ` ${error.name}` : ''}`,
      ),
    retrying: (task, attempt, delayMs) =>
      log.push(`${name}retrying ${task.id}#${attempt} ${delayMs}ms`),
    ended: (result) => log.push(`${name}ended ${result.task.id} ${result.status}`),
  };
}

const fixedRetry = {
  maxAttempts: 2,
  backoff: { strategy: 'fixed' as const, initialMs: 1, maxMs: 1, jitter: 'none' as const },
};

describe('pool/instrumentation', () => {
  it('is called at acceptance, around each attempt, at its end and retry, and at the result', async () => {
    let calls = 0;
    const pool = new WorkerPool<string, string>({
      logger: silent,
      handler: async (input) => {
        if (++calls === 1) throw new Error('flaky');
        return input.toUpperCase();
      },
      retry: fixedRetry,
    });
    const log: string[] = [];
    pool.instrument(recorder(log));
    expect(await pool.submit('a', { id: 't1' })).to.equal('A');
    expect(log).to.deep.equal([
      'accepted t1',
      'attempt t1#1',
      'attemptEnded t1#1 failed Error',
      'retrying t1#1 1ms',
      'attempt t1#2',
      'attemptEnded t1#2 succeeded',
      'ended t1 succeeded',
    ]);
    await pool.shutdown();
  });

  it("accepted runs in the caller's context; attempt can give the handler a context of its own", async () => {
    const caller = new AsyncLocalStorage<string>();
    const seen: string[] = [];
    const pool = new WorkerPool<string, string>({
      logger: silent,
      handler: async () => caller.getStore() ?? 'none',
      concurrency: 1,
    });
    pool.instrument({
      accepted: (task) => seen.push(`${task.id} accepted in ${caller.getStore()}`),
      attempt: (task, _attempt, run) => caller.run(`attempt of ${task.id}`, run),
    });
    const value = await caller.run('request-1', () => pool.submit('x', { id: 'p1' }));
    expect(seen).to.deep.equal(['p1 accepted in request-1']);
    expect(value).to.equal('attempt of p1');
    await pool.shutdown();
  });

  it('tells a timed-out and a cancelled attempt apart, and ends tasks that never ran', async () => {
    const pool = new WorkerPool<string, string>({
      logger: silent,
      handler: (input, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
      timeoutMs: 20,
      retry: { maxAttempts: 1 },
      concurrency: 1,
      queue: { capacity: 1 },
      abortGraceMs: 0,
    });
    const log: string[] = [];
    pool.instrument(recorder(log));
    const slow = pool.submit('slow', { id: 'slow' }).catch((e: unknown) => e);
    const queued = pool.submit('queued', { id: 'queued' }).catch((e: unknown) => e);
    const refused = await pool.submit('refused', { id: 'refused' }).catch((e: unknown) => e);
    expect(refused).to.have.property('name', 'QueueFullError');
    pool.cancel('queued');
    expect(await slow).to.be.instanceOf(TaskTimeoutError);
    await queued;
    const running = pool.submit('cancelled', { id: 'running' }).catch((e: unknown) => e);
    pool.cancel('running');
    await running;
    expect(log).to.include.members([
      'accepted refused',
      'ended refused rejected',
      'accepted queued',
      'ended queued cancelled',
      'attemptEnded slow#1 timed-out TaskTimeoutError',
      'ended slow failed',
      'attemptEnded running#1 cancelled TaskCancelledError',
      'ended running cancelled',
    ]);
    expect(log.filter((line) => line.startsWith('attempt queued'))).to.deep.equal([]);
    await pool.shutdown();
  });

  it('nests attempt hooks in registration order, and stops calling one once it is removed', async () => {
    const pool = new WorkerPool<string, string>({ logger: silent, handler: (input) => input });
    const log: string[] = [];
    const removeOuter = pool.instrument(recorder(log, 'outer '));
    pool.instrument(recorder(log, 'inner '));
    await pool.submit('a', { id: 'n1' });
    expect(log.slice(0, 4)).to.deep.equal([
      'outer accepted n1',
      'inner accepted n1',
      'outer attempt n1#1',
      'inner attempt n1#1',
    ]);
    removeOuter();
    removeOuter();
    log.length = 0;
    await pool.submit('b', { id: 'n2' });
    expect(log).to.deep.equal([
      'inner accepted n2',
      'inner attempt n2#1',
      'inner attemptEnded n2#1 succeeded',
      'inner ended n2 succeeded',
    ]);
    await pool.shutdown();
  });

  it('a hook that throws is logged and the pool goes on; an attempt hook must call run once', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }),
    );
    const pool = new WorkerPool<string, string>({
      logger,
      handler: (input) => input,
      retry: { maxAttempts: 1 },
    });
    const remove = pool.instrument({
      accepted: () => {
        throw new Error('hook broke');
      },
    });
    expect(await pool.submit('ok')).to.equal('ok');
    expect(lines.join('')).to.contain('an instrumentation hook threw').and.contain('hook broke');
    remove();
    pool.instrument({ attempt: () => 'never ran the handler' as never });
    const error = await pool.submit('x').catch((e: unknown) => e);
    expect(error)
      .to.be.instanceOf(TypeError)
      .and.have.property('message')
      .that.contains('call run() once');
    await pool.shutdown();
  });

  it('answers ctx.traceparent from the first hook that has one, asked only when it is read', async () => {
    const asked: string[] = [];
    const seen: (string | undefined)[] = [];
    const pool = new WorkerPool<string, string>({
      logger: silent,
      handler: (input, ctx) => {
        if (input === 'read') seen.push(ctx.traceparent, ctx.traceparent);
        return input;
      },
    });
    pool.instrument({ traceparent: (task) => (asked.push(`none ${task.id}`), undefined) });
    pool.instrument({
      traceparent: (task, attempt) => (asked.push(`answer ${task.id}#${attempt}`), `tp-${task.id}`),
    });
    pool.instrument({ traceparent: () => (asked.push('never asked'), 'late') });
    await pool.submit('quiet', { id: 'q' });
    expect(asked).to.deep.equal([]);
    await pool.submit('read', { id: 'r' });
    expect(seen).to.deep.equal(['tp-r', 'tp-r']);
    expect(asked).to.deep.equal(['none r', 'answer r#1', 'none r', 'answer r#1']);
    await pool.shutdown();
  });

  it('a traceparent hook that throws is logged, and the next one answers', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }),
    );
    const pool = new WorkerPool<string, string | undefined>({
      logger,
      handler: (_input, ctx) => ctx.traceparent,
    });
    pool.instrument({
      traceparent: () => {
        throw new Error('no context');
      },
    });
    pool.instrument({ traceparent: () => 'second' });
    expect(await pool.submit('x')).to.equal('second');
    expect(lines.join('')).to.contain('"hook":"traceparent"').and.contain('no context');
    await pool.shutdown();
  });

  it('with a batch handler: batchAttempt around each call (nested in order), batchEnded after it', async () => {
    const log: string[] = [];
    const pool = new WorkerPool<string, string>({
      logger: silent,
      concurrency: 1,
      retry: { maxAttempts: 1 },
      handler: batchHandler(
        (inputs: string[]) => {
          log.push(`call ${inputs.join(',')}`);
          if (inputs.includes('bad')) throw new Error('bulk failed');
          return inputs;
        },
        { maxSize: 2 },
      ),
    });
    const hooks = (name: string): PoolInstrumentation<string, string> => ({
      batchAttempt: (items, run) => {
        log.push(
          `${name}batch ${items.map(({ task, attempt }) => `${task.id}#${attempt}`).join(',')}`,
        );
        return run();
      },
      batchEnded: (items, error) => log.push(`${name}ended ${items.length} ${error?.name ?? 'ok'}`),
      attemptEnded: (task, _attempt, outcome) => log.push(`${name}item ${task.id} ${outcome}`),
    });
    pool.instrument(hooks('A:'));
    pool.instrument({ batchAttempt: (_items, run) => (log.push('B:batch'), run()) });
    pool.pause();
    const results = ['a', 'b', 'bad'].map((input) =>
      pool.submit(input, { id: input }).catch((e: Error) => e.name),
    );
    pool.resume();
    expect(await Promise.all(results)).to.deep.equal(['a', 'b', 'BatchError']);
    expect(log).to.deep.equal([
      'A:batch a#1,b#1',
      'B:batch',
      'call a,b',
      'A:item a succeeded',
      'A:item b succeeded',
      'A:ended 2 ok',
      'A:batch bad#1',
      'B:batch',
      'call bad',
      'A:item bad failed',
      'A:ended 1 BatchError',
    ]);
    await pool.shutdown();
  });

  it('refuses what is not an object of hooks', () => {
    const pool = new WorkerPool<string, string>({ logger: silent, handler: (input) => input });
    expect(() => pool.instrument(null as never)).to.throw(TypeError, /instrumentation.*got `null`/);
    void pool.shutdown();
  });
});
