import { expect } from 'chai';
import { checkKeysOptions } from '../../lib/channel/keys-options';

describe('channel/keys-options', () => {
  it('accepts limits from 1 (or Infinity) and names the option and the value when wrong', () => {
    expect(() =>
      checkKeysOptions({ concurrency: Infinity, limits: { a: 2 }, maxTracked: 0 }),
    ).not.to.throw();
    expect(() => checkKeysOptions({ concurrency: 0 })).to.throw(
      TypeError,
      /`keys.concurrency`.*got `0`/,
    );
    expect(() => checkKeysOptions({ limits: { big: 1.5 } })).to.throw(
      TypeError,
      /`keys.limits\["big"\]`.*`1.5`/,
    );
    expect(() => checkKeysOptions({ limits: [] as never })).to.throw(
      TypeError,
      /`keys.limits` to be an object/,
    );
    expect(() => checkKeysOptions({ rateLimit: { limit: 0, intervalMs: 10 } })).to.throw(
      TypeError,
      /keys.rateLimit.limit/,
    );
    expect(() => checkKeysOptions({ maxTracked: -1 })).to.throw(TypeError, /`keys.maxTracked`/);
    expect(() => checkKeysOptions(null as never)).to.throw(TypeError, /`keys` to be an object/);
  });
});
