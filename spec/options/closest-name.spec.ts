import { expect } from 'chai';
import { closestName, unknownNameMessage } from '../../lib/options/closest-name';

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

  describe('unknownNameMessage', () => {
    it('is the one wording: unknown key, and the suggestion when one is close', () => {
      expect(unknownNameMessage('backof', ['backoff', 'retryIf'])).to.equal(
        'unknown key (did you mean backoff?)',
      );
      expect(unknownNameMessage('zzzzzzzz', ['backoff'])).to.equal('unknown key');
    });

    it('names what the name is and puts a prefix before the suggestion', () => {
      expect(
        unknownNameMessage('QUEUE_CAPACTY', ['QUEUE_CAPACITY'], {
          noun: 'environment variable',
          prefix: 'WORKER_POOL_',
        }),
      ).to.equal('unknown environment variable (did you mean WORKER_POOL_QUEUE_CAPACITY?)');
    });
  });
});
