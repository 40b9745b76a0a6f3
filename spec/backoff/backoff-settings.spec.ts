import { expect } from 'chai';
import { backoffSettings } from '../../lib/backoff/backoff-settings';
import { equalJitter, fullJitter, noJitter } from '../../lib/backoff/jitter';

const DEFAULTS = { initialMs: 100, maxMs: 30_000, jitter: 'full' as const };

describe('backoffSettings', () => {
  it('applies the defaults', () => {
    const settings = backoffSettings({}, DEFAULTS);
    expect(settings.initialMs).to.equal(100);
    expect(settings.maxMs).to.equal(30_000);
    expect(settings.jitter).to.equal(fullJitter);
    expect(settings.random).to.equal(Math.random);
  });

  it('keeps the given values', () => {
    const random = (): number => 0.5;
    const settings = backoffSettings({ initialMs: 0, maxMs: 0, jitter: 'equal', random }, DEFAULTS);
    expect(settings).to.deep.equal({ initialMs: 0, maxMs: 0, jitter: equalJitter, random });
    expect(backoffSettings({ jitter: noJitter }, DEFAULTS).jitter).to.equal(noJitter);
  });

  it('refuses a negative initialMs', () => {
    expect(() => backoffSettings({ initialMs: -1 }, DEFAULTS)).to.throw(
      TypeError,
      'Expected `initialMs` to be a number of ms from 0 to 2147483647, got `-1` (number)',
    );
  });

  it('refuses a maxMs below initialMs, naming both', () => {
    expect(() => backoffSettings({ initialMs: 100, maxMs: 50 }, DEFAULTS)).to.throw(
      TypeError,
      'Expected `maxMs` to be a number from `initialMs` (100) to 2147483647, got `50` (number)',
    );
  });

  it('prefixes every name with the path', () => {
    expect(() => backoffSettings({ initialMs: -1 }, DEFAULTS, 'retry.backoff')).to.throw(
      'Expected `retry.backoff.initialMs` to be',
    );
    expect(() => backoffSettings({ jitter: 'no' as 'none' }, DEFAULTS, 'retry.backoff')).to.throw(
      'Expected `retry.backoff.jitter` to be one of',
    );
    expect(() =>
      backoffSettings({ random: 3 as unknown as () => number }, DEFAULTS, 'retry.backoff'),
    ).to.throw('Expected `retry.backoff.random` to be a function, got `3` (number)');
  });
});
