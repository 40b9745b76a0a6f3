import { expect } from 'chai';
import { checkKey, checkWeight } from '../../lib/task/placement';

describe('task/placement', () => {
  it('a key is a string or nothing', () => {
    expect(checkKey('tenant-1', 'key')).to.equal('tenant-1');
    expect(checkKey(undefined, 'key')).to.equal(undefined);
    expect(() => checkKey(7, 'key')).to.throw(TypeError, 'Expected `key` to be a string, got `7`');
  });

  it('a weight is an integer from 1, at most the ceiling, named with it in the message', () => {
    expect(checkWeight(3, 'weight', 4)).to.equal(3);
    expect(checkWeight(undefined, 'weight', 4)).to.equal(undefined);
    for (const bad of [0, -1, 1.5, NaN, '2', null]) {
      expect(() => checkWeight(bad, 'weight', 4), String(bad)).to.throw(TypeError, /`weight`/);
    }
    expect(() => checkWeight(5, 'weight', 4, 'concurrency.max')).to.throw(
      RangeError,
      '`weight` 5 is above `concurrency.max` 4',
    );
  });
});
