import { expect } from 'chai';
import { config } from 'rxjs';
import { HotStream } from '../../lib/merge/hot-stream';

describe('merge/HotStream', () => {
  it('multicasts each value to the subscribers of the moment, and knows when it is observed', () => {
    const stream = new HotStream<number>();
    expect(stream.observed).to.equal(false);
    const a: number[] = [];
    const b: number[] = [];
    const subA = stream.asObservable().subscribe((v) => a.push(v));
    stream.next(1);
    const subB = stream.asObservable().subscribe((v) => b.push(v));
    stream.next(2);
    subA.unsubscribe();
    stream.next(3);
    subB.unsubscribe();
    expect(stream.observed).to.equal(false);
    stream.next(4);
    expect([a, b]).to.deep.equal([
      [1, 2],
      [2, 3],
    ]);
  });

  it('delivers a value of a kind only to the subscribers that take it, and says who wants what', () => {
    const stream = new HotStream<string>();
    const [ODD, EVEN, OTHER] = [1, 2, 4];
    const odd: string[] = [];
    const all: string[] = [];
    const subOdd = stream.ofKinds(ODD | OTHER).subscribe((v) => odd.push(v));
    expect([stream.wants(ODD), stream.wants(EVEN), stream.wants(OTHER)]).to.deep.equal([
      true,
      false,
      true,
    ]);
    stream.next('1', ODD);
    stream.next('2', EVEN);
    const subAll = stream.asObservable().subscribe((v) => all.push(v));
    expect(stream.wants(EVEN)).to.equal(true);
    stream.next('3', ODD);
    stream.next('4', EVEN);
    subAll.unsubscribe();
    expect([stream.wants(EVEN), stream.observed]).to.deep.equal([false, true]);
    subOdd.unsubscribe();
    expect([stream.wants(ODD), stream.observed]).to.deep.equal([false, false]);
    expect({ odd, all }).to.deep.equal({ odd: ['1', '3'], all: ['3', '4'] });
  });

  it('gives nothing more to a subscriber another one unsubscribed during next() (as a Subject)', () => {
    const stream = new HotStream<string>();
    const seen: string[] = [];
    const second: { unsubscribe: () => void } = { unsubscribe: () => undefined };
    stream.asObservable().subscribe((v) => {
      seen.push(`first ${v}`);
      second.unsubscribe();
    });
    const sub = stream.asObservable().subscribe((v) => seen.push(`second ${v}`));
    second.unsubscribe = () => sub.unsubscribe();
    stream.next('x');
    stream.next('y');
    expect(seen).to.deep.equal(['first x', 'first y']);
  });

  it('completes its subscribers, and completes late ones at once', () => {
    const stream = new HotStream<number>();
    const log: string[] = [];
    stream.asObservable().subscribe({ complete: () => log.push('early') });
    stream.complete();
    stream.complete();
    stream.asObservable().subscribe({ complete: () => log.push('late') });
    expect(log).to.deep.equal(['early', 'late']);
    expect(stream.observed).to.equal(false);
  });

  it('reports a throwing observer through RxJS and still serves the others', async () => {
    const previous = config.onUnhandledError;
    // RxJS reports it later, through config.onUnhandledError: await that report itself.
    const reported = new Promise<unknown>((resolve) => (config.onUnhandledError = resolve));
    try {
      const stream = new HotStream<number>();
      const ok: number[] = [];
      stream.asObservable().subscribe(() => {
        throw new Error('observer broke');
      });
      stream.asObservable().subscribe((v) => ok.push(v));
      expect(() => stream.next(1)).not.to.throw();
      expect(ok).to.deep.equal([1]);
      expect(((await reported) as Error).message).to.equal('observer broke');
    } finally {
      config.onUnhandledError = previous;
    }
  });
});
