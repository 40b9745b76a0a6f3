import { expect } from 'chai';
import { runScript } from '../support/run-script';
import path from 'node:path';

describe('A pool in a real process', function () {
  this.timeout(30_000);

  it('lets a finished script exit without a shutdown, despite a 30 s task timeout', async () => {
    const fixture = path.join(__dirname, 'fixtures', 'finished-script.ts');
    // Killed after 15 s: an armed, referenced 30 s deadline timer would keep it alive.
    const outcome = await runScript(fixture);
    expect(outcome).to.deep.equal({ killed: false, code: 0, stdout: '[2,4,6,8,10]\n' });
  });
});
