import { expect } from 'chai';
import { NOTICE_QUIET_MS, redisNoticeLogger } from '../../lib/cli/redis-notices';

describe('cli/redis-notices', () => {
  it('one plain line per kind of error, repeats held back, their count said later', () => {
    const lines: string[] = [];
    let clock = 0;
    const logger = redisNoticeLogger(
      (line) => lines.push(line),
      () => clock,
    );
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    for (let i = 0; i < 5; i++) {
      logger.error({ err: refused, queue: 'emails' }, 'BullMQ consumer error');
      clock += 1_000;
    }
    logger.error({ err: new Error('READONLY') }, 'BullMQ consumer error');
    clock = NOTICE_QUIET_MS + 1;
    logger.error({ err: refused }, 'BullMQ consumer error');
    expect(lines).to.deep.equal([
      'BullMQ consumer error: connect ECONNREFUSED 127.0.0.1:6379; retrying',
      'BullMQ consumer error: READONLY; retrying',
      'BullMQ consumer error: connect ECONNREFUSED 127.0.0.1:6379 (4 more since); retrying',
    ]);
    // Plain lines: no JSON, no stack.
    for (const line of lines) expect(line).to.not.match(/^\{|\n\s+at /);
  });
});
