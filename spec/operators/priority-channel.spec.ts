import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { priorityChannel } from '../../lib/operators/priority-channel';
import { QueueFullError } from '../../lib/errors/queue-full-error';
import type { PriorityName } from '../../lib/task/priority';

const newScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
const levels: Record<string, PriorityName> = { a: 'low', b: 'normal', c: 'critical', d: 'high' };
const priority = (v: string): PriorityName => levels[v];

describe('priorityChannel', () => {
  it('completes on an empty source', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(priorityChannel({ demand: cold('1', { 1: 1 }) }))).toBe('|');
    });
  });

  it('emits only on demand, highest priority first', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const source = hot('(abcd)-----|');
      const demand = hot('--1--2---1-', { 1: 1, 2: 2 });
      expectObservable(source.pipe(priorityChannel({ demand, priority }))).toBe('--c--(db)a-|');
    });
  });

  it('passes a value straight through when demand is waiting', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const demand = hot('3', { 3: 3 });
      expectObservable(cold('-a-b-|').pipe(priorityChannel({ demand }))).toBe('-a-b-|');
    });
  });

  it('propagates a source error at once', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('a-#').pipe(priorityChannel({ demand: hot('-') }))).toBe('--#');
    });
  });

  it('never completes while values wait for demand', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('a|').pipe(priorityChannel({ demand: hot('-') }))).toBe('');
    });
  });

  it('unsubscribes from the source and the demand on early unsubscribe', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a-b-c');
      const demand = hot('1', { 1: 1 });
      expectObservable(source.pipe(priorityChannel({ demand })), '--!').toBe('a-');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(demand.subscriptions).toBe('^-!');
    });
  });

  it('errors with QueueFullError when full, or hands the value to onOverflow', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('ab').pipe(priorityChannel({ demand: hot('-'), capacity: 1 }))).toBe(
        '-#',
        undefined,
        new QueueFullError(1),
      );
      const refused: string[] = [];
      const kept = cold('(acb)|').pipe(
        priorityChannel({
          demand: hot('------1', { 1: 5 }),
          capacity: 2,
          overflow: 'drop-lowest',
          priority,
          onOverflow: (v) => refused.push(v),
        }),
      );
      // b (normal) evicts a (low): c and b remain.
      expectObservable(kept).toBe('6ms (cb|)');
      cold('-------|').subscribe({ complete: () => expect(refused).to.deep.equal(['a']) });
    });
  });
});
