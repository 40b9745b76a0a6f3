import { expect } from 'chai';
import { DueList } from '../../lib/channel/due-list';

describe('channel/due-list', () => {
  it('gives back what is due, earliest first, and says whether anything is left', () => {
    const list = new DueList<string>();
    expect(list.pending).to.equal(false);
    expect(list.firstAt()).to.equal(undefined);
    list.add(30, 'c');
    list.add(10, 'a');
    list.add(20, 'b');
    expect(list.firstAt()).to.equal(10);
    const taken: string[] = [];
    list.takeDue(20, (item, at) => taken.push(`${item}@${at}`));
    expect(taken).to.deep.equal(['a@10', 'b@20']);
    expect(list.pending).to.equal(true);
    list.takeDue(100, (item) => taken.push(item));
    expect(taken.at(-1)).to.equal('c');
    expect(list.pending).to.equal(false);
  });
});
