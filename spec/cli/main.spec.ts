import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { ECHO, cli, useScratchDir } from '../support/cli-process';

describe('rxjs-worker-pool CLI', function () {
  this.timeout(30_000);
  const { scratch, file } = useScratchDir();

  describe('usage', () => {
    it('--help and --version exit 0', async () => {
      const help = await cli(['run', '--help']);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.contain('--remaining <file>');
      // commander wraps the help text: compare it with its line breaks folded.
      expect(help.stdout.replace(/\s+/g, ' ')).to.contain(
        `default: one per CPU core, ${availableParallelism()} here`,
      );
      const version = await cli(['--version']);
      expect(version.code).to.equal(0);
      expect(version.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    });

    it('a missing or bad flag exits 2 naming the flag', async () => {
      const missing = await cli(['run', '--input', '-']);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain("required option '--handler <file>'");
      const bad = await cli(['run', '--handler', ECHO, '--input', '-', '--concurrency', 'lots']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.match(/--concurrency <n>.*expected an integer >= 1/);
      const noFile = await cli(['run', '--handler', 'nope.js', '--input', '-'], { stdin: '' });
      expect(noFile.code).to.equal(2);
      expect(noFile.stderr).to.contain('--handler: no such file: nope.js');
      const noInput = await cli([
        'run',
        '--handler',
        ECHO,
        '--input',
        path.join(scratch(), 'none.jsonl'),
      ]);
      expect(noInput.code).to.equal(2);
      expect(noInput.stderr).to.match(/--input: cannot read .*none\.jsonl \(ENOENT\)/);
      const badOutput = await cli(
        [
          'run',
          '--handler',
          ECHO,
          '--input',
          '-',
          '--output',
          path.join(scratch(), 'no', 'such', 'out.jsonl'),
        ],
        {
          stdin: '',
        },
      );
      expect(badOutput.code).to.equal(2);
      expect(badOutput.stderr).to.match(/--output: cannot write into .*no\/such \(ENOENT\)/);
    });

    it('a config error exits 2 naming the key, from --config or WORKER_POOL_*', async () => {
      const config = file('pool.yaml', 'concurrency: 2\ntimeoutMs: -5\n');
      const fromFile = await cli(['run', '--handler', ECHO, '--input', '-', '--config', config], {
        stdin: '',
      });
      expect(fromFile.code).to.equal(2);
      expect(fromFile.stderr).to.match(/timeoutMs/);
      const fromEnv = await cli(['run', '--handler', ECHO, '--input', '-'], {
        stdin: '',
        env: { WORKER_POOL_QUEUE_CAPACITY: 'many' },
      });
      expect(fromEnv.code).to.equal(2);
      expect(fromEnv.stderr).to.contain('queue.capacity');
    });
  });
});
