import { expect } from 'chai';
import { Rejection } from '../../lib/pool/pool-task';

describe('Rejection', () => {
  it('rejects a promise that adopts it, with its error', async () => {
    const boom = new Error('boom');
    const adopted = new Promise<never>((resolve) => resolve(new Rejection(boom)));
    expect(
      await adopted.then(
        () => 'resolved',
        (e: unknown) => e,
      ),
    ).to.equal(boom);
  });

  it('never calls the fulfilment callback', () => {
    const seen: string[] = [];
    new Rejection(new Error('x')).then(
      () => seen.push('fulfilled'),
      () => seen.push('rejected'),
    );
    expect(seen).to.deep.equal(['rejected']);
  });
});
