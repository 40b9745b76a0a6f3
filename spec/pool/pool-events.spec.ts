import { expect } from 'chai';
import { EVENT_KIND, eventMask } from '../../lib/pool/pool-events';

describe('pool/pool-events', () => {
  describe('eventMask', () => {
    it('has one bit per event type, and a mask is their union', () => {
      const bits = Object.values(EVENT_KIND);
      expect(new Set(bits).size).to.equal(bits.length);
      for (const bit of bits) expect(bit & (bit - 1)).to.equal(0);
      expect(eventMask(['failed', 'retrying'])).to.equal(EVENT_KIND.failed | EVENT_KIND.retrying);
      expect(eventMask(['failed', 'failed'])).to.equal(EVENT_KIND.failed);
    });

    it('refuses no type, and an unknown one by name', () => {
      expect(() => eventMask([])).to.throw(TypeError, /at least one event type/);
      expect(() => eventMask(['finished'])).to.throw(TypeError, /got `finished` \(string\)/);
      expect(() => eventMask(['__proto__'])).to.throw(TypeError, /__proto__/);
    });
  });
});
