import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { JournalWriter, readJournal } from '../../lib/cli/journal';

describe('cli/journal', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'rwp-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file is an empty journal', async () => {
    const journal = await readJournal(path.join(dir, 'none.jsonl'));
    expect(journal).to.deep.include({ lines: 0, tornBytes: 0 });
    expect(journal.succeeded.size + journal.failed.size).to.equal(0);
  });

  it('reads which ids succeeded and which failed last; a success wins', async () => {
    const file = path.join(dir, 'out.jsonl');
    writeFileSync(
      file,
      [
        '{"id":"a","status":"succeeded","value":1}',
        '{"id":"b","status":"failed","error":{}}',
        '{"id":"c","status":"failed","error":{}}',
        '{"id":"c","status":"succeeded","value":3}',
        '{"id":"d\\"q","status":"succeeded"}',
        '{"status":"succeeded","id":"e"}',
        '',
      ].join('\n'),
    );
    const journal = await readJournal(file);
    expect([...journal.succeeded].sort()).to.deep.equal(['a', 'c', 'd"q', 'e']);
    expect([...journal.failed]).to.deep.equal(['b']);
    expect(journal.lines).to.equal(6);
  });

  it('ignores a torn last line and cuts it off, so appended lines start clean', async () => {
    const file = path.join(dir, 'out.jsonl');
    writeFileSync(file, '{"id":"a","status":"succeeded"}\n{"id":"b","stat');
    const journal = await readJournal(file);
    expect([...journal.succeeded]).to.deep.equal(['a']);
    expect(journal.tornBytes).to.equal(15);
    expect(readFileSync(file, 'utf8')).to.equal('{"id":"a","status":"succeeded"}\n');
  });

  it('the writer has a line in the file by the end of the loop turn, and appends when asked', async () => {
    const file = path.join(dir, 'out.jsonl');
    writeFileSync(file, 'old\n');
    const writer = new JournalWriter(file, true);
    writer.write('one\n');
    writer.write('two\n');
    expect(readFileSync(file, 'utf8')).to.equal('old\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(file, 'utf8')).to.equal('old\none\ntwo\n');
    writer.write('three\n');
    writer.close();
    expect(readFileSync(file, 'utf8')).to.equal('old\none\ntwo\nthree\n');
    const fresh = new JournalWriter(file, false);
    fresh.close();
    expect(readFileSync(file, 'utf8')).to.equal('');
  });
});
