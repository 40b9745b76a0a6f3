import { expect } from 'chai';
import { RingDeque } from '../../lib/channel/ring-deque';

describe('RingDeque', () => {
  it('is empty at first', () => {
    const deque = new RingDeque<number>();
    expect(deque.size).to.equal(0);
    expect(deque.shift()).to.equal(undefined);
    expect(deque.pop()).to.equal(undefined);
    expect(deque.peek()).to.equal(undefined);
    expect(deque.peekLast()).to.equal(undefined);
  });

  it('keeps FIFO order through growth and wrap-around', () => {
    const deque = new RingDeque<number>(4);
    const out: number[] = [];
    for (let i = 0; i < 3; i++) deque.push(i);
    out.push(deque.shift() as number, deque.shift() as number); // head moves: later pushes wrap
    for (let i = 3; i < 100; i++) deque.push(i);
    while (deque.size > 0) out.push(deque.shift() as number);
    expect(out).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
  });

  it('takes items at the front with unshift and from the back with pop', () => {
    const deque = new RingDeque<string>(4);
    deque.push('b');
    deque.push('c');
    deque.unshift('a');
    for (let i = 0; i < 10; i++) deque.unshift(`x${i}`); // grows while the head is mid-buffer
    expect(deque.peek()).to.equal('x9');
    expect(deque.pop()).to.equal('c');
    expect(deque.peekLast()).to.equal('b');
    expect(deque.drain().slice(-2)).to.deep.equal(['a', 'b']);
    expect(deque.size).to.equal(0);
  });

  it('filters in place, keeping order', () => {
    const deque = new RingDeque<number>();
    for (let i = 0; i < 20; i++) deque.push(i);
    deque.filter((n) => n % 3 === 0);
    expect(deque.drain()).to.deep.equal([0, 3, 6, 9, 12, 15, 18]);
  });

  it('gives its buffer back as it empties: no high-water mark is kept', () => {
    const deque = new RingDeque<number>();
    for (let i = 0; i < 1_000_000; i++) deque.push(i);
    expect(deque.capacity).to.equal(1 << 20);
    for (let i = 0; i < 999_990; i++) expect(deque.shift()).to.equal(i);
    expect(deque.capacity).to.be.at.most(64);
    expect(deque.drain()).to.deep.equal([
      999_990, 999_991, 999_992, 999_993, 999_994, 999_995, 999_996, 999_997, 999_998, 999_999,
    ]);
    for (let i = 0; i < 100_000; i++) deque.unshift(i);
    while (deque.size > 3) deque.pop();
    expect(deque.capacity).to.be.at.most(64);
    expect(deque.drain()).to.deep.equal([99_999, 99_998, 99_997]);
  });

  it('filter sizes the buffer for what it keeps', () => {
    const deque = new RingDeque<number>();
    for (let i = 0; i < 100_000; i++) deque.push(i);
    deque.filter((n) => n % 50_000 === 0);
    expect(deque.capacity).to.be.at.most(4);
    expect(deque.drain()).to.deep.equal([0, 50_000]);
  });

  it('costs O(1) per operation: 1,000,000 push/shift pairs with a large backlog finish quickly', () => {
    const deque = new RingDeque<number>();
    for (let i = 0; i < 200_000; i++) deque.push(i);
    let sum = 0;
    for (let i = 0; i < 1_000_000; i++) {
      deque.push(i);
      sum += deque.shift() as number;
    }
    // A quadratic queue (Array#shift on 200k) would not finish this in the spec timeout.
    expect(deque.size).to.equal(200_000);
    expect(sum).to.be.greaterThan(0);
  });
});
