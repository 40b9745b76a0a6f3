import { expect } from 'chai';
import { Group } from '../../lib/channel/key-group';
import type { ChannelEntry } from '../../lib/channel/scheduler';
import { TurnRings } from '../../lib/channel/turn-rings';

const group = (key: string): Group<ChannelEntry> =>
  new Group<ChannelEntry>(key, Infinity, undefined);

describe('channel/turn-rings', () => {
  it('groups take turns in the order they joined; one that was served goes after a newcomer', () => {
    const rings = new TurnRings<ChannelEntry>();
    const [a, b, c] = [group('a'), group('b'), group('c')];
    rings.link(a, 2);
    expect(rings.next(2)).to.equal(a);
    rings.served(a, 2, true);
    rings.link(b, 2); // arrives after a's turn: goes before a's next one
    expect(rings.next(2)).to.equal(b);
    rings.served(b, 2, true);
    expect(rings.next(2)).to.equal(a);
    expect(rings.last(2)).to.equal(b);
    rings.link(c, 2);
    rings.unlink(a, 2);
    expect(rings.next(2)).to.equal(b);
    rings.unlinkAll(b);
    expect(rings.next(2)).to.equal(c);
    rings.served(c, 2, false); // nothing more there: it leaves
    expect(rings.next(2)).to.equal(undefined);
    // Back at once after its turn, alone: it counts as just served.
    rings.link(c, 2);
    rings.link(a, 2);
    expect(rings.next(2)).to.equal(a);
  });
});
