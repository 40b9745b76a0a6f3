import { Writable } from 'stream';
import { expect } from 'chai';
import { createLogger, silentLogger } from '../../lib/logging/logger';

/** A destination collecting every line pino writes, parsed. */
function collector(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

describe('logging/logger', () => {
  it('logs JSON lines at info and above by default', () => {
    const { stream, lines } = collector();
    const logger = createLogger(undefined, stream);
    logger.debug('hidden');
    logger.info({ taskId: 't1', attempt: 1 }, 'started');
    expect(logger.level).to.equal('info');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ msg: 'started', taskId: 't1', attempt: 1, level: 30 });
  });

  it('honours the configured level', () => {
    const { stream, lines } = collector();
    const logger = createLogger({ level: 'warn' }, stream);
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((l) => l.msg)).to.deep.equal(['shown']);
  });

  it('binds fields in child loggers', () => {
    const { stream, lines } = collector();
    createLogger({ level: 'debug' }, stream)
      .child({ taskId: 'a', priority: 'high' })
      .debug('retrying');
    expect(lines[0]).to.include({ taskId: 'a', priority: 'high', msg: 'retrying' });
  });

  it('falls back to JSON when pretty output is asked for but pino-pretty is absent', () => {
    let hasPretty = true;
    try {
      require.resolve('pino-pretty');
    } catch {
      hasPretty = false;
    }
    const { stream, lines } = collector();
    createLogger({ pretty: true }, hasPretty ? undefined : stream).info('plain');
    if (!hasPretty) expect(lines[0]).to.include({ msg: 'plain' });
  });

  it('silentLogger logs nothing', () => {
    const logger = silentLogger();
    expect(logger.level).to.equal('silent');
    expect(logger.isLevelEnabled('fatal')).to.equal(false);
  });
});
