import { expect } from 'chai';
import { RunningList, type RunningNode } from '../../lib/pool/running-list';

interface Node extends RunningNode {
  name: string;
}
const node = (name: string): Node => ({
  name,
  prevRunning: undefined,
  nextRunning: undefined,
  isRunning: false,
});

describe('RunningList', () => {
  it('is empty at first', () => {
    const list = new RunningList<Node>();
    expect([list.size, list.toArray()]).to.deep.equal([0, []]);
  });

  it('keeps start order and removes from anywhere in O(1)', () => {
    const list = new RunningList<Node>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(node);
    [a, b, c, d].forEach((n) => list.add(n));
    list.delete(b); // middle
    list.delete(a); // head
    list.delete(d); // tail
    list.delete(d); // twice is harmless
    expect(list.toArray().map((n) => n.name)).to.deep.equal(['c']);
    expect(list.size).to.equal(1);
    list.add(a);
    expect(list.toArray().map((n) => n.name)).to.deep.equal(['c', 'a']);
  });

  it('gives a copy that stays valid while the list changes', () => {
    const list = new RunningList<Node>();
    const nodes = ['a', 'b', 'c'].map(node);
    nodes.forEach((n) => list.add(n));
    for (const n of list.toArray()) list.delete(n);
    expect(list.size).to.equal(0);
  });
});
