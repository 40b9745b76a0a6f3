import { expect } from 'chai';
import { Group, busiestKeys } from '../../lib/channel/key-group';
import type { ChannelEntry } from '../../lib/channel/scheduler';

describe('channel/key-group', () => {
  it('a group is idle with nothing queued or running; busiestKeys lists the busiest and sums the rest', () => {
    const groups = ['a', 'b', 'c', 'idle'].map((key) => new Group<ChannelEntry>(key, 4, undefined));
    expect(groups[3].idle).to.equal(true);
    groups[0].queued = 5;
    groups[1].queued = 1;
    groups[1].slots.add(2);
    groups[2].queued = 2;
    expect(groups[1].running).to.equal(1);
    expect(busiestKeys(groups, 2)).to.deep.equal({
      count: 3,
      top: [
        { key: 'a', queued: 5, running: 0, succeeded: 0, failed: 0 },
        { key: 'b', queued: 1, running: 1, succeeded: 0, failed: 0 },
      ],
      others: { queued: 2, running: 0 },
    });
  });
});
