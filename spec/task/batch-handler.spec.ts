import { expect } from 'chai';
import { BatchError } from '../../lib/errors/batch-error';
import {
  batchHandler,
  batchOutcomes,
  batchSettings,
  BatchItemFailure,
  type BatchOptions,
} from '../../lib/task/batch-handler';
import type { TaskContext } from '../../lib/task/task';
import { Priority } from '../../lib/task/priority';
import { silent } from '../support/pool-fixtures';

const ctx: TaskContext<number> = {
  signal: new AbortController().signal,
  attempt: 2,
  task: { id: 't1', input: 4, priority: Priority.NORMAL, submittedAt: 0 },
  logger: silent,
};

describe('batchHandler', () => {
  it('carries its function and options for the pool; maxWaitMs defaults to 0', () => {
    const run = (inputs: number[]) => inputs;
    expect(batchSettings(batchHandler(run, { maxSize: 8 }))).to.deep.equal({
      run,
      maxSize: 8,
      maxWaitMs: 0,
    });
    expect(batchSettings((n: number) => n)).to.equal(undefined);
    expect(batchSettings(undefined)).to.equal(undefined);
  });

  it('called as a plain handler, runs a batch of one with the task’s context', async () => {
    const seen: unknown[] = [];
    const handler = batchHandler(
      (inputs: number[], { tasks, attempts }) => {
        seen.push(
          tasks.map((task) => task.id),
          attempts,
        );
        return inputs.map((n) => n * 10);
      },
      { maxSize: 4 },
    );
    expect(await handler(4, ctx)).to.equal(40);
    expect(seen).to.deep.equal([['t1'], [2]]);
  });

  it('a plain call throws the error of a BatchItemFailure, and a BatchError for a wrong length', async () => {
    const boom = new Error('boom');
    const failing = batchHandler(() => [new BatchItemFailure(boom)], { maxSize: 4 });
    expect(await Promise.resolve(failing(1, ctx)).catch((e: unknown) => e)).to.equal(boom);
    const wrong = batchHandler(() => [], { maxSize: 4 });
    expect(await Promise.resolve(wrong(1, ctx)).catch((e: unknown) => e)).to.be.instanceOf(
      BatchError,
    );
  });

  const bad: [string, unknown, RegExp][] = [
    ['maxSize 0', { maxSize: 0 }, /`batch.maxSize` to be an integer >= 1, got `0`/],
    ['maxSize 1.5', { maxSize: 1.5 }, /`batch.maxSize` to be an integer/],
    ['no maxSize', {}, /`batch.maxSize`.*got `undefined`/],
    ['negative wait', { maxSize: 2, maxWaitMs: -1 }, /`batch.maxWaitMs` to be a number of ms/],
    [
      'a typo',
      { maxSize: 2, maxWait: 5 },
      /`batch.maxWait`: unknown key \(did you mean maxWaitMs\?\)/,
    ],
    ['not an object', 5, /`batch` to be an object, got `5`/],
  ];
  for (const [name, options, message] of bad) {
    it(`refuses ${name}, naming the option and the value`, () => {
      expect(() => batchHandler((inputs: number[]) => inputs, options as BatchOptions)).to.throw(
        TypeError,
        message,
      );
    });
  }

  it('refuses a function that is not one', () => {
    expect(() => batchHandler(5 as never, { maxSize: 1 })).to.throw(
      TypeError,
      /`run` to be a function/,
    );
  });
});

describe('batchOutcomes', () => {
  it('passes an array of the right length through', () => {
    const result = [1, new BatchItemFailure('x')];
    expect(batchOutcomes(result, 2)).to.equal(result);
  });

  it('names a wrong length and a value that is not an array', () => {
    expect(() => batchOutcomes([1], 2)).to.throw(BatchError, 'returned 1 results for 2 inputs');
    expect(() => batchOutcomes(undefined, 2)).to.throw(BatchError, /returned `undefined`/);
  });
});
