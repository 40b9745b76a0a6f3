import { expect } from 'chai';
import {
  MAX_TIMER_MS,
  checkDuration,
  checkFunction,
  checkNumber,
  optionPath,
} from '../../lib/options/check-option';

describe('check-option', () => {
  describe('optionPath', () => {
    it('joins a prefix and a key with a dot', () => {
      expect(optionPath('retry', 'maxAttempts')).to.equal('retry.maxAttempts');
    });

    it('returns the key alone without a prefix', () => {
      expect(optionPath(undefined, 'limit')).to.equal('limit');
      expect(optionPath('', 'limit')).to.equal('limit');
    });
  });

  describe('checkNumber', () => {
    it('returns a value that satisfies the rule', () => {
      expect(checkNumber(0, 'initialMs', { min: 0 })).to.equal(0);
      expect(checkNumber(3, 'limit', { min: 1, integer: true })).to.equal(3);
      expect(checkNumber(1, 'ratio', { min: 0, exclusiveMin: true, max: 1 })).to.equal(1);
    });

    it('follows the p-queue template for a minimum', () => {
      expect(() => checkNumber(-1, 'initialMs', { min: 0 })).to.throw(
        TypeError,
        'Expected `initialMs` to be a number >= 0, got `-1` (number)',
      );
    });

    it('says "an integer" and ">" when asked', () => {
      expect(() => checkNumber(1.5, 'limit', { min: 1, integer: true })).to.throw(
        'Expected `limit` to be an integer >= 1, got `1.5` (number)',
      );
      expect(() => checkNumber(0, 'intervalMs', { min: 0, exclusiveMin: true })).to.throw(
        'Expected `intervalMs` to be a number > 0, got `0` (number)',
      );
    });

    it('shows a range with a maximum and a label for the minimum', () => {
      expect(() => checkNumber(2, 'window.failureRatio', { min: 0, max: 1 })).to.throw(
        'Expected `window.failureRatio` to be a number from 0 to 1, got `2` (number)',
      );
      expect(() => checkNumber(5, 'maxMs', { min: 10, minLabel: '`initialMs` (10)' })).to.throw(
        'Expected `maxMs` to be a number >= `initialMs` (10), got `5` (number)',
      );
    });

    it('shows a range with an exclusive bound in interval notation', () => {
      expect(() => checkNumber(0, 'smoothing', { min: 0, exclusiveMin: true, max: 1 })).to.throw(
        'Expected `smoothing` to be a number in (0, 1], got `0` (number)',
      );
      expect(() => checkNumber(1, 'decay', { min: 0, max: 1, exclusiveMax: true })).to.throw(
        'Expected `decay` to be a number in [0, 1), got `1` (number)',
      );
      expect(
        checkNumber(0.5, 'ratio', { min: 0, exclusiveMin: true, max: 1, exclusiveMax: true }),
      ).to.equal(0.5);
    });

    it('words the range as told by `expected`', () => {
      expect(() =>
        checkNumber(0, 'step', { min: 0, exclusiveMin: true, expected: 'above 0' }),
      ).to.throw('Expected `step` to be a number above 0, got `0` (number)');
    });

    it('accepts Infinity only when the rule says so ("no bound", above any finite max)', () => {
      expect(checkNumber(Infinity, 'capacity', { min: 1, integer: true, infinite: true })).to.equal(
        Infinity,
      );
      expect(() => checkNumber(-Infinity, 'x', { min: 0, infinite: true })).to.throw(TypeError);
      expect(checkNumber(Infinity, 'x', { min: 0, max: 1, infinite: true })).to.equal(Infinity);
      expect(() => checkNumber(2, 'x', { min: 0, max: 1, infinite: true })).to.throw(TypeError);
    });
  });

  describe('checkDuration', () => {
    it('holds every duration to what a Node timer can wait (2^31-1 ms)', () => {
      expect(checkDuration(MAX_TIMER_MS, 'timeoutMs')).to.equal(2 ** 31 - 1);
      expect(() => checkDuration(2 ** 31, 'timeoutMs')).to.throw(
        'Expected `timeoutMs` to be a number of ms from 0 to 2147483647, got `2147483648` (number)',
      );
      expect(() => checkDuration(1e10, 'shutdown.timeoutMs', { infinite: true })).to.throw(
        'Expected `shutdown.timeoutMs` to be a number of ms from 0 to 2147483647, or Infinity for none, got `10000000000` (number)',
      );
      expect(checkDuration(Infinity, 'timeoutMs', { infinite: true })).to.equal(Infinity);
      expect(() => checkDuration(Infinity, 'intervalMs')).to.throw(TypeError);
      expect(() => checkDuration(0, 'intervalMs', { exclusiveMin: true })).to.throw(
        'Expected `intervalMs` to be a number of ms above 0, at most 2147483647, got `0` (number)',
      );
    });

    it('refuses NaN, infinities and non-numbers', () => {
      expect(() => checkNumber(NaN, 'x', { min: 0 })).to.throw('got `NaN` (number)');
      expect(() => checkNumber(Infinity, 'x', { min: 0 })).to.throw('got `Infinity` (number)');
      expect(() => checkNumber('3', 'x', { min: 0 })).to.throw('got `3` (string)');
      expect(() => checkNumber(undefined, 'x', { min: 0 })).to.throw('got `undefined` (undefined)');
    });
  });

  describe('checkFunction', () => {
    it('returns a function and refuses anything else', () => {
      const f = (): number => 1;
      expect(checkFunction(f, 'random')).to.equal(f);
      expect(() => checkFunction(1, 'random')).to.throw(
        TypeError,
        'Expected `random` to be a function, got `1` (number)',
      );
    });
  });
});
