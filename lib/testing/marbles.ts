import { deepStrictEqual } from 'node:assert';
import { VirtualTimeScheduler } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';

/**
 * What a {@link marbles} callback receives: `TestScheduler.run()`'s helpers, the scheduler to
 * give the pool (`new WorkerPool({ scheduler })`), and an async `flush`.
 *
 * ## Example
 * ```ts
 * import { timer } from 'rxjs';
 * import { marbles, type MarbleHelpers } from 'rxjs-worker-pool/testing';
 * await marbles(({ cold, expectObservable, scheduler }: MarbleHelpers) => {
 *   expectObservable(cold('a|', {}), '^').toBe('a|');
 *   expectObservable(timer(2, scheduler)).toBe('--(0|)');
 * });
 * ```
 */
export interface MarbleHelpers extends Omit<RunHelpers, 'flush' | 'animate'> {
  /** The virtual clock: pass it as the pool's `scheduler` option (and to your own timers). */
  scheduler: TestScheduler;
  /** Runs virtual time to its end, letting promises settle at every frame, then asserts. */
  flush(): Promise<void>;
}

/**
 * Options of {@link marbles}.
 *
 * ## Example
 * ```ts
 * import { expect } from 'chai';
 * import { marbles, type MarbleOptions } from 'rxjs-worker-pool/testing';
 * const options: MarbleOptions = { assertDeepEqual: (a, e) => expect(a).to.deep.equal(e) };
 * await marbles(({ cold, expectObservable }) => expectObservable(cold('a|')).toBe('a|'), options);
 * ```
 */
export interface MarbleOptions {
  /**
   * Compares what an `expectObservable` saw with what it expected. Defaults to Node's
   * `assert.deepStrictEqual` (any assertion library's deep equal will do).
   */
  assertDeepEqual?: (actual: unknown, expected: unknown) => void;
}

/**
 * A marble test for a pool whose handlers return Promises. Inside `TestScheduler.run()` virtual
 * time runs in one synchronous flush, so a Promise handler settles after everything is over
 * and `expectObservable` sees nothing. `marbles` runs the same marble syntax (run mode: `-` is
 * one frame, `10ms` a time progression) one virtual frame at a time and lets microtasks settle
 * between frames, so Promise handlers, timeouts, retries with backoff and shutdown deadlines all
 * happen at the frames they would. The callback may be async and may `await` the pool
 * (`await pool.submit(x)`); the returned promise settles once virtual time has run out and
 * every expectation was checked (it rejects on the first mismatch).
 *
 * Every timer must run on `scheduler`: the pool's do when it is given as the `scheduler`
 * option; RxJS operators you add take it as their last argument (`delay(5, scheduler)`).
 * A handler's own `setTimeout`, I/O or worker thread runs in real time, outside the test.
 *
 * ## Example
 * ```ts
 * import { from, map } from 'rxjs';
 * import { WorkerPool } from 'rxjs-worker-pool';
 * import { marbles } from 'rxjs-worker-pool/testing';
 *
 * it('doubles, one at a time, 3 frames each', () =>
 *   marbles(({ cold, expectObservable, scheduler }) => {
 *     const pool = new WorkerPool<number, number>({
 *       scheduler,
 *       concurrency: 1,
 *       handler: async (n) => {
 *         await firstValueFrom(timer(3, scheduler)); // 3 frames of "I/O"
 *         return n * 2;
 *       },
 *     });
 *     const values$ = pool.process(cold('(abc|)', { a: 1, b: 2, c: 3 })).pipe(map((r) => r.value));
 *     expectObservable(values$).toBe('---x--y--(z|)', { x: 2, y: 4, z: 6 });
 *   }));
 * ```
 *
 * @param callback Builds the test: pools, marbles and expectations; may be async.
 * @param options How values are compared.
 * @return Settles when the test is over: rejects with the first failed expectation.
 */
export async function marbles(
  callback: (helpers: MarbleHelpers) => void | Promise<void>,
  options: MarbleOptions = {},
): Promise<void> {
  const assertDeepEqual = options.assertDeepEqual ?? deepStrictEqual;
  const scheduler = new TestScheduler((actual, expected) => assertDeepEqual(actual, expected));
  // run()'s settings: one frame per dash, no frame limit, run-mode marble syntax. run() itself
  // cannot be used: it flushes synchronously, before any Promise can settle.
  const frameTimeFactor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  scheduler.maxFrames = Infinity;
  setRunMode(scheduler, true);
  try {
    const helpers: MarbleHelpers = {
      scheduler,
      cold: scheduler.createColdObservable.bind(scheduler),
      hot: scheduler.createHotObservable.bind(scheduler),
      time: scheduler.createTime.bind(scheduler),
      expectObservable: scheduler.expectObservable.bind(scheduler),
      expectSubscriptions: scheduler.expectSubscriptions.bind(scheduler),
      flush: () => flushAsync(scheduler, undefined),
    };
    let finished = false;
    const done = Promise.resolve()
      .then(() => callback(helpers))
      .finally(() => (finished = true));
    // A rejection is awaited below; keep it from being reported as unhandled meanwhile.
    done.catch(() => undefined);
    await flushAsync(scheduler, () => finished);
    await done;
    // Expectations made after the last frame (a callback that awaited to the end) are checked.
    scheduler.flush();
  } finally {
    TestScheduler.frameTimeFactor = frameTimeFactor;
    setRunMode(scheduler, false);
  }
}

/** One turn of the event loop: every microtask queued now, and those they queue, run first. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs the scheduler's actions frame by frame, settling promises after each frame, until no
 * action is left (and, when `finished` is given, the callback has returned), then asserts.
 */
async function flushAsync(
  scheduler: TestScheduler,
  finished: (() => boolean) | undefined,
): Promise<void> {
  for (;;) {
    // As TestScheduler.flush() does before running actions.
    while (scheduler.hotObservables.length > 0) scheduler.hotObservables.shift()?.setup();
    await settle();
    const next = scheduler.actions[0];
    if (next === undefined) {
      if (finished === undefined || finished()) break;
      // The callback still awaits something, and no virtual time is due: give it a turn.
      continue;
    }
    // Only this frame: its actions, and those they schedule for the same frame.
    scheduler.maxFrames = next.delay;
    try {
      VirtualTimeScheduler.prototype.flush.call(scheduler);
    } finally {
      scheduler.maxFrames = Infinity;
    }
  }
  scheduler.flush();
}

/** run()'s marble syntax (`10ms` progressions, a frame per dash) without run()'s sync flush. */
function setRunMode(scheduler: TestScheduler, on: boolean): void {
  (scheduler as unknown as { runMode: boolean }).runMode = on;
}
