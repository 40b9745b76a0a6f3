import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  ECHO,
  MAIN,
  type Run,
  cli,
  jsonLines,
  root,
  start,
  useScratchDir,
} from '../support/cli-process';

describe('rxjs-worker-pool CLI', function () {
  this.timeout(30_000);
  const { scratch, file } = useScratchDir();

  describe('run', () => {
    it('takes "key" and "weight" from a line: they shape the schedule and come back in the result', async () => {
      const input = [
        '{"id":"a","input":1,"key":"tenant-a","weight":2}',
        '{"id":"b","input":2,"key":"tenant-b"}',
        '{"id":"c","input":3,"weight":9}',
        '{"id":"d","input":4,"key":7}',
      ].join('\n');
      const run = await cli(['run', '--handler', ECHO, '--input', '-', '--concurrency', '4'], {
        stdin: input,
      });
      const byId = new Map(jsonLines(run.stdout).map((r) => [r.id, r]));
      expect(byId.get('a')).to.deep.include({ status: 'succeeded', key: 'tenant-a', weight: 2 });
      expect(byId.get('b')).to.deep.include({ key: 'tenant-b' });
      expect(byId.get('b')).not.to.have.property('weight');
      // Refused before it runs: a bad line, said with its number, never a lost task.
      expect(byId.has('c')).to.equal(false);
      expect(run.stderr).to.contain('line 3: `weight` 9 is above `concurrency` 4');
      expect(run.stderr).to.contain('line 4: "key" must be a string, got 7');
      expect(run.stderr).to.match(/2 succeeded, 0 failed, 0 not run, 2 bad lines/);
    });

    it('--batch N calls the handler with up to N inputs at once; each task keeps its own result', async () => {
      const BULK = path.join(__dirname, 'fixtures', 'bulk.js');
      const lines = ['1', '2', '-3', '4', '"big"', '6', '7'].map(
        (input, i) => `{"id":"t${i}","input":${input}}`,
      );
      const run = await cli(
        [
          'run',
          '--handler',
          BULK,
          '--input',
          '-',
          '--concurrency',
          '1',
          '--batch',
          '3',
          '--batch-wait',
          '500',
        ],
        { stdin: lines.join('\n'), env: { WORKER_POOL_RETRY_MAX_ATTEMPTS: '1' } },
      );
      expect(run.code).to.equal(1); // two items failed
      const byId = new Map(jsonLines(run.stdout).map((r) => [r.id, r]));
      expect(byId.size).to.equal(7);
      expect(byId.get('t2')).to.deep.include({
        status: 'failed',
        error: { name: 'RangeError', message: 'negative: -3' },
      });
      expect((byId.get('t4')?.error as { message: string }).message).to.match(
        /cannot be written as JSON/,
      );
      const sizes = [...byId.values()]
        .filter((r) => r.status === 'succeeded')
        .map((r) => (r.value as { size: number }).size);
      expect(Math.max(...sizes)).to.equal(3);
      expect(run.stderr).to.match(/5 succeeded, 2 failed/);
    });

    it('--batch-wait needs --batch; --batch needs an integer from 1', async () => {
      const wait = await cli(['run', '--handler', ECHO, '--input', '-', '--batch-wait', '5'], {
        stdin: '1\n',
      });
      expect(wait.code).to.equal(2);
      expect(wait.stderr).to.contain('--batch-wait needs --batch N');
      const zero = await cli(['run', '--handler', ECHO, '--input', '-', '--batch', '0'], {
        stdin: '1\n',
      });
      expect(zero.code).to.equal(2);
      expect(zero.stderr).to.contain("option '--batch <n>' argument '0' is invalid");
    });

    it('reads tasks, bare values and blank lines from stdin; results on stdout only', async () => {
      const input = [
        '{"id":"a","input":{"x":1},"priority":"high"}',
        '',
        '42',
        '"text"',
        '{"input":null}',
        '[1,2]',
      ].join('\n');
      const run = await cli(['run', '--handler', ECHO, '--input', '-', '--quiet'], {
        stdin: input,
      });
      expect(run.code).to.equal(0);
      expect(run.stderr).to.equal('');
      const results = jsonLines(run.stdout);
      const byId = new Map(results.map((r) => [r.id, r]));
      expect(byId.get('a')).to.deep.include({
        status: 'succeeded',
        value: { x: 1 },
        attempts: 1,
        priority: 'high',
      });
      expect(byId.get('line-3')).to.deep.include({ value: 42, priority: 'normal' });
      expect(byId.get('line-4')).to.deep.include({ value: 'text' });
      expect(byId.get('line-5')).to.deep.include({ value: null });
      expect(byId.get('line-6')).to.deep.include({ value: [1, 2] });
      expect(results).to.have.length(5);
      for (const result of results)
        expect(result).to.have.keys(
          'id',
          'status',
          'value',
          'attempts',
          'waitMs',
          'runMs',
          'priority',
        );
    });

    it('reports bad lines with their numbers and goes on; bad lines alone keep exit 0', async () => {
      const input = [
        '{"id":"ok","input":1}',
        '{not json',
        '{"input":1,"priority":"urgent"}',
        '{"input":2,"id":{}}',
        '{"id":"ok","input":3}',
      ].join('\n');
      const output = path.join(scratch(), 'out.jsonl');
      const run = await cli([
        'run',
        '--handler',
        ECHO,
        '--input',
        file('in.jsonl', input),
        '--output',
        output,
      ]);
      expect(run.code).to.equal(0);
      expect(run.stderr).to.match(/line 2: not JSON/);
      expect(run.stderr).to.match(/line 3: "priority" must be critical, high, normal or low/);
      expect(run.stderr).to.match(/line 4: "id" must be a non-empty string or a number/);
      expect(run.stderr).to.match(/3 bad lines/);
      expect(run.stdout).to.equal('');
      // The second "ok" ran after the first ended: ids need only be unique among live tasks.
      expect(jsonLines(readFileSync(output, 'utf8')).map((r) => r.id)).to.include('ok');
    });

    it('a generated id never takes a caller id, before or after it in the input', async () => {
      const lines = ['{"id":"line-2","input":"a"}', '"b"', '{"id":"line-4","input":"c"}', '"d"'];
      const output = path.join(scratch(), 'out.jsonl');
      const input = file('in.jsonl', lines.join('\n'));
      const run = await cli(['run', '--handler', ECHO, '--input', input, '--output', output]);
      expect(run.code, run.stderr).to.equal(0);
      const byId = new Map(jsonLines(readFileSync(output, 'utf8')).map((r) => [r.id, r.value]));
      // Line 2 and line 4 have no id; their line-N ids are named by lines 1 and 3.
      expect(Object.fromEntries(byId)).to.deep.equal({
        'line-2': 'a',
        'line-2~2': 'b',
        'line-4': 'c',
        'line-4~2': 'd',
      });
      // From a pipe (no second read): a caller id that a generated one took is a bad line.
      const piped = await cli(['run', '--handler', ECHO, '--input', '-', '--quiet'], {
        stdin: ['"a"', '{"id":"line-1","input":"b"}'].join('\n'),
      });
      expect(piped.stderr).to.match(
        /line 2: id "line-1" is the id given to line 1, which has none; give this task another id/,
      );
      expect(jsonLines(piped.stdout).map((r) => r.id)).to.deep.equal(['line-1']);
    });

    it('a stray throw or rejection from a handler is reported with its task; the run goes on', async () => {
      const input = ['1', '{"id":"noisy","input":{"stray":"x","waitMs":30}}', '3', '4'].join('\n');
      // One at a time: "noisy" is the only task running when its timer throws.
      const run = await cli(
        ['run', '--handler', ECHO, '--input', '-', '--quiet', '--concurrency', '1'],
        { stdin: input },
      );
      expect(run.code, run.stderr).to.equal(0);
      expect(jsonLines(run.stdout)).to.have.length(4);
      expect(run.stderr).to.match(
        /uncaught exception from a handler while task "noisy" ran \(the run goes on\): Error: stray throw of x/,
      );
      expect(run.stderr).to.match(/unhandled rejection from a handler while task "noisy" ran/);
    });

    it('a value JSON cannot hold fails its task; the run goes on and writes every line', async () => {
      const input = ['{"bigint":true}', '{"circular":true}', '3', '4'].join('\n');
      const run = await cli(['run', '--handler', ECHO, '--input', '-'], { stdin: input });
      expect(run.code).to.equal(1);
      const results = jsonLines(run.stdout);
      expect(results.map((r) => `${r.id} ${r.status} ${r.attempts}`).sort()).to.deep.equal([
        'line-1 failed 1',
        'line-2 failed 1',
        'line-3 succeeded 1',
        'line-4 succeeded 1',
      ]);
      expect(
        (results.find((r) => r.id === 'line-1')?.error as { message: string }).message,
      ).to.match(/cannot be written as JSON: Do not know how to serialize a BigInt/);
      expect(run.stderr).to.match(/2 succeeded, 2 failed/);
    });

    it('runs one task per CPU core unless told otherwise', async () => {
      const run = await cli(['run', '--handler', ECHO, '--input', '-'], { stdin: '1\n' });
      expect(run.stderr).to.contain(`concurrency ${availableParallelism()}`);
      const told = await cli(['run', '--handler', ECHO, '--input', '-', '--concurrency', '7'], {
        stdin: '1\n',
      });
      expect(told.stderr).to.contain('concurrency 7');
    });

    it('exits 1 when some task failed, with the error in its result line', async () => {
      const run = await cli(['run', '--handler', ECHO, '--input', '-', '--quiet'], {
        stdin: '{"id":"f","input":{"fail":true}}\n{"id":"g","input":2}\n',
        env: {
          WORKER_POOL_RETRY_MAX_ATTEMPTS: '2',
          WORKER_POOL_RETRY_BACKOFF_STRATEGY: 'fixed',
          WORKER_POOL_RETRY_BACKOFF_INITIAL_MS: '1',
          WORKER_POOL_RETRY_BACKOFF_MAX_MS: '1',
        },
      });
      expect(run.code).to.equal(1);
      const failed = jsonLines(run.stdout).find((r) => r.id === 'f');
      expect(failed).to.deep.include({
        status: 'failed',
        attempts: 2,
        error: { name: 'TypeError', message: 'asked to fail (attempt 2)' },
      });
    });

    it('flags override --config, which overrides WORKER_POOL_*', async () => {
      const config = file('pool.json', '{"concurrency": 3, "retry": {"maxAttempts": 1}}');
      const input = '{"id":"f","input":{"fail":true}}\n';
      const run = await cli(
        ['run', '--handler', ECHO, '--input', '-', '--config', config, '--quiet'],
        {
          stdin: input,
          env: { WORKER_POOL_RETRY_MAX_ATTEMPTS: '5' },
        },
      );
      expect(jsonLines(run.stdout)[0]).to.deep.include({ attempts: 1 });
    });

    it('loads a TypeScript handler with a default export', async () => {
      const run = await cli(
        [
          'run',
          '--handler',
          path.join('spec', 'cli', 'fixtures', 'typed.ts'),
          '--input',
          '-',
          '--quiet',
        ],
        {
          stdin: '{"n":4}\n',
        },
      );
      expect(run.code).to.equal(0);
      expect(jsonLines(run.stdout)[0]).to.deep.include({ value: 40 });
    });

    it('--threads runs the same handler file on worker threads', async () => {
      const run = await cli(
        ['run', '--handler', ECHO, '--input', '-', '--threads', '--concurrency', '2', '--quiet'],
        {
          stdin: '{"threadId":true}\n{"threadId":true}\n{"threadId":true}\n',
        },
      );
      expect(run.code).to.equal(0);
      const ids = jsonLines(run.stdout).map((r) => (r.value as { threadId: number }).threadId);
      expect(ids).to.have.length(3);
      expect(ids.every((id) => id > 0)).to.equal(true); // 0 is the main thread
    });

    it('off a TTY prints plain progress lines and a summary on stderr', async () => {
      const run = await cli(['run', '--handler', ECHO, '--input', '-'], { stdin: '1\n2\n' });
      expect(run.stderr).to.match(/\[#+\] 2\/2/);
      expect(run.stderr).to.match(
        /done in [\d.]+ s: 2 succeeded, 0 failed, 0 not run, 0 bad lines/,
      );
      expect(run.stderr).to.not.contain('\x1b[');
    });

    it('on a TTY draws the progress bar and the live metrics block in place', async function () {
      // util-linux `script` gives the child a pseudo-terminal.
      if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) this.skip();
      const input = file('two.jsonl', '1\n2\n');
      const command = [
        process.execPath,
        MAIN,
        'run',
        '--handler',
        ECHO,
        '--input',
        input,
        '--output',
        path.join(scratch(), 'out.jsonl'),
      ]
        .map((arg) => `'${arg}'`)
        .join(' ');
      const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(tty.status).to.equal(0);
      expect(tty.stdout).to.contain('[####################] 2/2');
      expect(tty.stdout).to.match(/tasks {4}submitted 2 {2}succeeded 2/);
      expect(tty.stdout).to.contain(`workers  active 0/${availableParallelism()}`);
    });

    it('SIGINT stops, writes what did not end to --remaining; a rerun from it completes the set exactly once', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `t${i}`);
      const input = file(
        'tasks.jsonl',
        ids.map((id) => JSON.stringify({ id, input: { waitMs: 40 } })).join('\n'),
      );
      const left = path.join(scratch(), 'left.jsonl');
      const { child, done } = start([
        'run',
        '--handler',
        ECHO,
        '--input',
        input,
        '--output',
        '-',
        '--remaining',
        left,
        '--concurrency',
        '2',
        '--quiet',
      ]);
      // Interrupt once a few results are out.
      await new Promise<void>((resolve) => {
        let lines = 0;
        child.stdout!.on('data', (chunk: Buffer) => {
          lines += chunk.toString().split('\n').length - 1;
          if (lines >= 4) resolve();
        });
      });
      child.kill('SIGINT');
      const interrupted = await done;
      expect(interrupted.code).to.equal(130);
      const ranFirst = jsonLines(interrupted.stdout).map((r) => r.id);
      const leftIds = jsonLines(readFileSync(left, 'utf8')).map((r) => r.id);
      expect(ranFirst.length).to.be.within(4, 29);
      expect([...ranFirst, ...leftIds].sort()).to.deep.equal([...ids].sort());

      const rerun = await cli([
        'run',
        '--handler',
        ECHO,
        '--input',
        left,
        '--concurrency',
        '4',
        '--quiet',
      ]);
      expect(rerun.code).to.equal(0);
      const ranSecond = jsonLines(rerun.stdout).map((r) => r.id);
      const all = [...ranFirst, ...ranSecond];
      expect(all.sort()).to.deep.equal([...ids].sort()); // every task once, none twice
    });

    it('SIGTERM exits 143; a task past the shutdown deadline is aborted and kept in --remaining', async () => {
      const left = path.join(scratch(), 'left.jsonl');
      const { child, done } = start(
        ['run', '--handler', ECHO, '--input', '-', '--quiet', '--remaining', left],
        {
          env: { WORKER_POOL_SHUTDOWN_TIMEOUT_MS: '100' },
        },
      );
      child.stdin!.write('{"waitMs": 10000, "announce": true}\n');
      await new Promise<void>((resolve) =>
        child.stderr!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('started')) resolve();
        }),
      );
      child.kill('SIGTERM');
      const run = await done;
      expect(run.code).to.equal(143);
      expect(jsonLines(readFileSync(left, 'utf8'))).to.deep.equal([
        { id: 'line-1', input: { waitMs: 10000, announce: true }, priority: 'normal' },
      ]);
    });
  });
});

describe('rxjs-worker-pool run: crash-safe runs and halting', function () {
  this.timeout(60_000);
  const { scratch } = useScratchDir();
  const write = (name: string, text: string): string => {
    const full = path.join(scratch(), name);
    writeFileSync(full, text);
    return full;
  };

  it('--remaining is always written: empty when nothing remains, replacing a stale file', async () => {
    const remaining = write('left.jsonl', '{"id":"stale","input":1}\n');
    const input = write('in.jsonl', '1\n2\n');
    const run = await cli([
      'run',
      '--handler',
      ECHO,
      '--input',
      input,
      '--remaining',
      remaining,
      '--quiet',
    ]);
    expect(run.code).to.equal(0);
    expect(readFileSync(remaining, 'utf8')).to.equal('');
  });

  it('--halt-on fail=N stops dispatching, drains, keeps the rest in --remaining, exits 1', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `{"id":"t${i}","input":{"fail":true}}`);
    const output = path.join(scratch(), 'out.jsonl');
    const remaining = path.join(scratch(), 'left.jsonl');
    const run = await cli(
      [
        'run',
        '--handler',
        ECHO,
        '--input',
        write('in.jsonl', lines.join('\n')),
        '--output',
        output,
        '--remaining',
        remaining,
        '--halt-on',
        'fail=3',
        '--concurrency',
        '2',
      ],
      { env: { WORKER_POOL_RETRY_MAX_ATTEMPTS: '1' } },
    );
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/halting: 3 tasks failed \(--halt-on fail=3\)/);
    const done = jsonLines(readFileSync(output, 'utf8')).map((r) => r.id as string);
    const left = jsonLines(readFileSync(remaining, 'utf8')).map((r) => r.id as string);
    // Those running when it halted still end (at most the 2 slots more); nothing is lost.
    expect(done.length).to.be.within(3, 5);
    expect(new Set([...done, ...left]).size).to.equal(200);
    expect(done.length + left.length).to.equal(200);
  });

  it('--resume needs --output FILE; --retry-failed needs --resume; a bad --halt-on is exit 2', async () => {
    const input = write('in.jsonl', '1\n');
    const noFile = await cli(['run', '--handler', ECHO, '--input', input, '--resume']);
    expect(noFile.code).to.equal(2);
    expect(noFile.stderr).to.match(/--resume needs --output FILE/);
    const alone = await cli([
      'run',
      '--handler',
      ECHO,
      '--input',
      input,
      '--output',
      path.join(scratch(), 'o'),
      '--retry-failed',
    ]);
    expect(alone.code).to.equal(2);
    expect(alone.stderr).to.match(/--retry-failed goes with --resume/);
    const halt = await cli(['run', '--handler', ECHO, '--input', input, '--halt-on', 'fail=lots']);
    expect(halt.code).to.equal(2);
    expect(halt.stderr).to.match(/--halt-on.*expected fail=N/);
  });

  it('--resume skips what succeeded (and failed, unless --retry-failed); the exit code covers the journal', async () => {
    const input = write(
      'in.jsonl',
      ['{"id":"ok","input":1}', '{"id":"bad","input":{"fail":true}}'].join('\n'),
    );
    const output = path.join(scratch(), 'out.jsonl');
    const env = { WORKER_POOL_RETRY_MAX_ATTEMPTS: '1' };
    const args = ['run', '--handler', ECHO, '--input', input, '--output', output, '--quiet'];
    expect((await cli(args, { env })).code).to.equal(1);
    // Nothing runs again, and "bad" still failed: exit 1.
    const again = await cli([...args, '--resume'], { env });
    expect(again.code).to.equal(1);
    expect(jsonLines(readFileSync(output, 'utf8'))).to.have.length(2);
    // --retry-failed runs "bad" again (it fails again): appended, not rewritten.
    const retried = await cli([...args, '--resume', '--retry-failed'], { env });
    expect(retried.code).to.equal(1);
    expect(jsonLines(readFileSync(output, 'utf8')).map((r) => `${r.id} ${r.status}`)).to.deep.equal(
      ['ok succeeded', 'bad failed', 'bad failed'],
    );
  });

  it('kill -9 at random points, then --resume until done: every id succeeds exactly once', async () => {
    const total = 60;
    const lines = Array.from({ length: total }, (_, i) =>
      JSON.stringify({ announce: true, waitMs: 5, n: i }),
    );
    const input = write('in.jsonl', lines.join('\n'));
    const output = path.join(scratch(), 'out.jsonl');
    /** Runs with --resume; SIGKILLs it once `killAfter` tasks have started, if given. */
    const resumeRun = (killAfter: number | undefined): Promise<Run> => {
      const { child, done } = start([
        'run',
        '--handler',
        ECHO,
        '--input',
        input,
        '--output',
        output,
        '--resume',
        '--quiet',
        '--concurrency',
        '4',
      ]);
      let started = 0;
      child.stderr!.on('data', (chunk: Buffer) => {
        started += chunk.toString().split('started').length - 1;
        if (killAfter !== undefined && started >= killAfter) child.kill('SIGKILL');
      });
      return done;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: total }), { minLength: 1, maxLength: 2 }),
        async (kills) => {
          rmSync(output, { force: true });
          for (const killAfter of kills) await resumeRun(killAfter);
          const last = await resumeRun(undefined);
          expect(last.code, last.stderr).to.equal(0);
          const results = jsonLines(readFileSync(output, 'utf8'));
          const succeeded = results
            .filter((r) => r.status === 'succeeded')
            .map((r) => r.id as string);
          expect(succeeded).to.have.length(total);
          expect(new Set(succeeded).size).to.equal(total);
        },
      ),
      { numRuns: 3 },
    );
    expect(existsSync(output)).to.equal(true);
  });
});
