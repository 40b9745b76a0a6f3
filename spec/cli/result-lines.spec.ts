import { expect } from 'chai';
import { Priority } from '../../lib/task/priority';
import type { TaskResult } from '../../lib/task/task';
import { remainingLine, resultLine } from '../../lib/cli/result-lines';

describe('cli/result-lines', () => {
  it('a result line: id, status, value or error, counts, times rounded, priority, key and weight if any', () => {
    const task = {
      id: 'a',
      input: 1,
      priority: Priority.HIGH,
      submittedAt: 0,
      key: 't',
      weight: 2,
    };
    const ok = { task, status: 'succeeded', value: 2, attempts: 1, waitMs: 1.23456, runMs: 0.5 };
    expect(JSON.parse(resultLine(ok as TaskResult<unknown, unknown>))).to.deep.equal({
      id: 'a',
      status: 'succeeded',
      value: 2,
      attempts: 1,
      waitMs: 1.23,
      runMs: 0.5,
      priority: 'high',
      key: 't',
      weight: 2,
    });
    const failed = {
      task: { id: 'b', input: 1, priority: Priority.NORMAL, submittedAt: 0 },
      status: 'failed',
      error: new TypeError('bad'),
      attempts: 3,
      waitMs: 0,
      runMs: 0,
    };
    expect(JSON.parse(resultLine(failed as TaskResult<unknown, unknown>))).to.deep.equal({
      id: 'b',
      status: 'failed',
      error: { name: 'TypeError', message: 'bad' },
      attempts: 3,
      waitMs: 0,
      runMs: 0,
      priority: 'normal',
    });
  });

  it('a remaining line is an input line again, with its id, key and weight', () => {
    expect(
      JSON.parse(remainingLine({ id: 'c', input: { x: 1 }, priority: Priority.LOW, key: 'k' })),
    ).to.deep.equal({ id: 'c', input: { x: 1 }, priority: 'low', key: 'k' });
  });
});
