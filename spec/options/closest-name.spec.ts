import { expect } from 'chai';
import { closestName } from '../../lib/options/closest-name';

describe('options/closest-name', () => {
  it('prefers a shared stem over a nearer spelling', () => {
    // "metrics" is 2 edits from "retries", "retry" 3; the stem says which was meant.
    expect(closestName('retries', ['metrics', 'retry', 'queue'])).to.equal('retry');
  });

  it('suggests the nearest by edit distance for a typo', () => {
    expect(closestName('concurency', ['concurrency', 'queue'])).to.equal('concurrency');
    expect(closestName('qeue', ['concurrency', 'queue'])).to.equal('queue');
  });

  it('suggests nothing for an unrelated or very long word', () => {
    expect(closestName('zzzzzzzz', ['concurrency', 'queue'])).to.equal(undefined);
    expect(closestName('queue'.repeat(20_000), ['queue'])).to.equal(undefined);
  });
});
