import { expect } from 'chai';
import { Priority, priorityName, toPriority } from '../../lib/task/priority';

describe('toPriority', () => {
  it('takes values, names in any case, and undefined as NORMAL', () => {
    expect([
      toPriority(3),
      toPriority('low'),
      toPriority('HIGH'),
      toPriority(undefined),
    ]).to.deep.equal([Priority.CRITICAL, Priority.LOW, Priority.HIGH, Priority.NORMAL]);
  });

  it("refuses Object.prototype's names: they are not priorities", () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => toPriority(name, 'job.priority'), name).to.throw(
        TypeError,
        `Expected \`job.priority\` to be one of 0..3 or 'low' | 'normal' | 'high' | 'critical', got \`${name}\` (string)`,
      );
    }
  });

  it('refuses numbers outside 0..3 and other types', () => {
    for (const value of [4, -1, 1.5, NaN, null, {}, true]) {
      expect(() => toPriority(value)).to.throw(TypeError, 'Expected `priority`');
    }
  });

  it('names each level', () => {
    expect([0, 1, 2, 3].map((p) => priorityName(p as Priority))).to.deep.equal([
      'low',
      'normal',
      'high',
      'critical',
    ]);
  });
});
