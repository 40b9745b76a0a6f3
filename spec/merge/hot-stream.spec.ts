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
