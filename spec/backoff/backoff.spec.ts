import { expect } from 'chai';
import { normalizeAttempt } from '../../lib/backoff/backoff';

describe('backoff', () => {
  describe('normalizeAttempt', () => {
    it('keeps attempts from 1 up, rounded down', () => {
      expect(normalizeAttempt(1)).to.equal(1);
      expect(normalizeAttempt(7)).to.equal(7);
      expect(normalizeAttempt(2.9)).to.equal(2);
    });

    it('treats values below 1 and non-finite values as the first retry', () => {
      expect(normalizeAttempt(0)).to.equal(1);
      expect(normalizeAttempt(-3)).to.equal(1);
      expect(normalizeAttempt(NaN)).to.equal(1);
      expect(normalizeAttempt(Infinity)).to.equal(1);
    });
  });
});
