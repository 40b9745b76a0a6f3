import { expect } from 'chai';
import { firstValueFrom, isObservable, of, type Observable } from 'rxjs';
import { fromResult, signalContext } from '../../lib/decorators/decorator-internals';

describe('decorator-internals', () => {
  describe('fromResult', () => {
    it('emits a plain value synchronously', () => {
      const seen: number[] = [];
      fromResult(5).subscribe((v) => seen.push(v));
      expect(seen).to.deep.equal([5]);
    });

    it('awaits a promise or a thenable', async () => {
      expect(await firstValueFrom(fromResult(Promise.resolve('p')))).to.equal('p');
      const thenable = { then: (resolve: (v: string) => void) => resolve('t') };
      expect(await firstValueFrom(fromResult(thenable))).to.equal('t');
    });

    it('passes a rejection on as an error', async () => {
      const error = new Error('no');
      const result = firstValueFrom(fromResult(Promise.reject(error)));
      await result.then(
        () => expect.fail('should reject'),
        (e: unknown) => expect(e).to.equal(error),
      );
    });

    it('treats an Observable as a value', () => {
      const inner = of(1);
      const seen: Observable<number>[] = [];
      fromResult(inner).subscribe((v) => seen.push(v));
      expect(seen).to.have.length(1);
      expect(isObservable(seen[0])).to.equal(true);
    });
  });

  describe('signalContext', () => {
    it('finds a last argument with an AbortSignal', () => {
      const ctx = { signal: new AbortController().signal, attempt: 1 };
      expect(signalContext(['input', ctx])).to.equal(ctx);
    });

    it('ignores anything else', () => {
      expect(signalContext([])).to.equal(undefined);
      expect(signalContext([{ signal: 'no' }])).to.equal(undefined);
      expect(signalContext([{ signal: new AbortController().signal }, 'last'])).to.equal(undefined);
      expect(signalContext([null])).to.equal(undefined);
    });
  });
});
