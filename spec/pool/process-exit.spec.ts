import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';

describe('A pool in a real process', function () {
  this.timeout(30_000);

  it('lets a finished script exit without a shutdown, despite a 30 s task timeout', async () => {
    const fixture = path.join(__dirname, 'fixtures', 'finished-script.ts');
    // Killed after 15 s: an armed, referenced 30 s deadline timer would keep it alive.
    const outcome = await new Promise<{ killed: boolean; code: number | null; stdout: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', fixture],
          { cwd: path.join(__dirname, '..', '..'), timeout: 15_000 },
          (error, stdout) =>
            resolve({
              killed: error?.killed ?? false,
              code: typeof error?.code === 'number' ? error.code : 0,
              stdout,
            }),
        );
      },
    );
    expect(outcome).to.deep.equal({ killed: false, code: 0, stdout: '[2,4,6,8,10]\n' });
  });
});
