import { expect } from 'chai';
import { HeldSlots } from '../../lib/channel/held-slots';

describe('channel/held-slots', () => {
  it('counts each entry at its weight, and a heavy one at most the whole limit in force', () => {
    const held = new HeldSlots();
    held.add(1);
    held.add(3);
    expect(held.count).to.equal(2);
    expect(held.under(8)).to.equal(4);
    // The limit dropped to 2: the weight-3 entry holds the whole limit, no more.
    expect(held.under(2)).to.equal(3);
    expect(held.fits(1, 8)).to.equal(true);
    expect(held.fits(5, 8)).to.equal(false);
    held.remove(3);
    expect(held.under(2)).to.equal(1);
    held.remove(1);
    expect(held.count).to.equal(0);
    // Alone, even an entry heavier than the limit fits.
    expect(held.fits(9, 4)).to.equal(true);
  });
});
