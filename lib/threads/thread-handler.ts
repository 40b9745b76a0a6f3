import * as path from 'node:path';
import type { Logger } from 'pino';
import { Subject, type Observable } from 'rxjs';
import type Piscina from 'piscina';
import {
  BatchItemFailure,
  ConfigError,
  HANDLER_LIFECYCLE,
  batchHandler,
  type BatchContext,
  type BatchReply,
  NonRetryableError,
  PoolClosedError,
  silentLogger,
  type Handler,
  type HandlerLifecycle,
  type TaskContext,
  type ThreadMetrics,
  type ThreadsMetrics,
} from '../index';
import {
  checkThreadOptions,
  type ThreadHandlerOptions,
  type ThreadSettings,
} from './thread-options';
import { fromThrown, type ThrownData } from './thrown-value';
import { transferListOf } from './transfer';

export type { ThreadHandlerOptions } from './thread-options';
import { WorkerThreadError } from './worker-thread-error';

/** piscina's balancer type, read from its public constructor options (not from its dist/). */
type PiscinaLoadBalancer = NonNullable<
  NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']
>;

/**
 * A handler that runs a worker file's function on worker threads, from {@link threadHandler}.
 *
 * ## Example
 * ```ts
 * import { threadHandler, type ThreadHandler } from 'rxjs-worker-pool/threads';
 * const resize: ThreadHandler<Picture, Picture> = threadHandler({ filename: 'resize.worker.js' });
 * const pool = new WorkerPool({ handler: resize });
 * ```
 */
export type ThreadHandler<I, O> = Handler<I, O> & {
  readonly [HANDLER_LIFECYCLE]: HandlerLifecycle;
  /** The threads' life cycle, as it happens (hot): see {@link ThreadEvent}. */
  readonly threadEvents$: Observable<ThreadEvent>;
};

/**
 * A thread's life-cycle event, from a thread handler's `threadEvents$`:
 * - `created`: a thread is up and takes attempts (at start, and each replacement);
 * - `died`: a thread ended unasked, with the error; `attempt` is false when it ran none (an
 *   attempt on it fails with a `WorkerThreadError` carrying the same error);
 * - `destroyed`: a thread is gone, whatever the reason (idle above `threads.min`, terminated
 *   after an abort, died, or shut down).
 *
 * ## Example
 * ```ts
 * import { threadHandler } from 'rxjs-worker-pool/threads';
 * const handler = threadHandler({ filename: 'resize.worker.js' });
 * handler.threadEvents$.subscribe((event) => {
 *   if (event.type === 'died') console.error(`thread ${event.threadId} died`, event.error);
 * });
 * ```
 */
export type ThreadEvent =
  | { type: 'created'; threadId: number }
  | { type: 'died'; threadId: number | undefined; error: Error; attempt: boolean }
  | { type: 'destroyed'; threadId: number };

/** The module each thread loads; it loads the user's file (see thread-worker.js). */
const THREAD_ENTRY = path.join(__dirname, 'thread-worker.js');
const THROWN = '__rxjsWorkerPoolThrown';
const ITEM_FAILED = '__rxjsWorkerPoolItemFailed';
const READY = 'rxjsWorkerPoolReady';

/** One attempt on its way to, or running on, a thread. */
interface Dispatch {
  threadId: number | undefined;
  /** Set when the pool aborted the attempt. */
  abortReason: Error | undefined;
}

/**
 * The second argument of a worker function: which attempt this is, of which task, and, when the
 * pool is traced (`withTracing`), the attempt's W3C `traceparent`. When the worker's thread
 * registers an OpenTelemetry SDK (a tracer provider and the async-hooks context manager), the
 * function already runs inside that context: spans it makes join the attempt's trace.
 *
 * ## Example
 * ```ts
 * // resize.worker.ts
 * import type { WorkerFunctionContext } from 'rxjs-worker-pool/threads';
 * export function resize(image: Uint8Array, { attempt, taskId, traceparent }: WorkerFunctionContext) {
 *   if (traceparent !== undefined) console.log(`task ${taskId}, attempt ${attempt}, trace ${traceparent}`);
 *   return image.subarray(0, image.length / 2);
 * }
 * ```
 */
export interface WorkerFunctionContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly taskId: string;
  /** The attempt's trace, when the pool is traced; absent otherwise. */
  readonly traceparent?: string;
}

/**
 * Runs a worker file's function on worker threads (piscina underneath), as a pool handler. The
 * pool's channel stays the only queue: the pool's limit is at most `threads.max`, so a task is
 * handed to a thread only when one is free, and priorities, aging, retries and autoscaling work
 * unchanged. A timeout, cancel or shutdown abort of an attempt terminates its thread (a
 * synchronous loop cannot be stopped any other way) and a fresh one replaces it. A thread that
 * dies under an attempt fails it with a {@link WorkerThreadError}; an error the function throws
 * arrives with its own name, message and stack. Without an explicit `concurrency`, the pool
 * runs `threads.max` attempts at once. The pool's `shutdown()` stops the threads after the
 * drain; a handler belongs to one pool.
 *
 * ## Example
 * ```ts
 * import { WorkerPool } from 'rxjs-worker-pool';
 * import { threadHandler } from 'rxjs-worker-pool/threads';
 * const pool = new WorkerPool<Image, Thumbnail>({
 *   handler: threadHandler({ filename: path.join(__dirname, 'thumbnail.worker.js') }),
 *   timeoutMs: 2_000, // a runaway thread is terminated and replaced
 * });
 * // thumbnail.worker.js: module.exports = (image, { attempt, taskId, traceparent }) => makeThumbnail(image);
 * const thumbnail = await pool.submit(image, { priority: 'high' });
 * ```
 */
export function threadHandler<I = unknown, O = unknown>(
  options: ThreadHandlerOptions,
): ThreadHandler<I, O> {
  const settings = checkThreadOptions(options);
  const threads = new ThreadSet(settings);
  const handler =
    settings.batch === undefined
      ? (input: I, ctx: TaskContext<I>): Promise<O> => threads.run(input, ctx)
      : batchHandler<I, O>((inputs, ctx) => threads.runBatch<I, O>(inputs, ctx), settings.batch);
  return Object.assign(handler, {
    [HANDLER_LIFECYCLE]: threads.lifecycle,
    threadEvents$: threads.events$,
  }) as ThreadHandler<I, O>;
}

/** The threads of one handler: a piscina pool, and what the pool's metrics show of it. */
class ThreadSet {
  #piscina: Piscina | undefined;
  #closed = false;
  #attached = false;
  #logger: Logger = silentLogger();
  /** The attempt whose `piscina.run()` call is on the stack: a balancer call inside is for it. */
  #dispatching: Dispatch | undefined;
  /** Attempts piscina holds until a thread is free, oldest first (its order too). */
  readonly #waiting: Dispatch[] = [];
  readonly #busy = new Map<number, Dispatch>();
  readonly #loaded = new Set<number>();
  /** Threads piscina counts as ready ('workerCreate'); only these may be terminated at once. */
  readonly #ready = new Set<number>();
  /** Threads to terminate as soon as they are ready (an attempt on them was aborted). */
  readonly #terminateWhenReady = new Set<number>();
  readonly #counts = new Map<number, { completed: number; failed: number }>();
  /** The attempts (and batch calls) in flight, by the context the pool gave their call. */
  readonly #attempts = new Map<object, Dispatch>();

  readonly lifecycle: HandlerLifecycle;
  readonly #events = new Subject<ThreadEvent>();
  readonly events$: Observable<ThreadEvent> = this.#events.asObservable();

  constructor(readonly settings: ThreadSettings) {
    this.lifecycle = {
      maxConcurrency: this.settings.max,
      maxConcurrencyName: 'threads.max',
      attach: ({ logger }) => {
        if (this.#attached) {
          throw new ConfigError(
            [{ path: 'handler', message: 'this thread handler already belongs to another pool' }],
            'options',
          );
        }
        this.#attached = true;
        this.#logger = logger;
        this.#start();
      },
      threadMetrics: () => this.metrics(),
      close: () => this.close(),
      abort: (ctx, reason) => this.abort(ctx, reason),
    };
  }

  run<I, O>(input: I, ctx: TaskContext<I>): Promise<O> {
    if (this.#closed) {
      return Promise.reject(new PoolClosedError(ctx.task.id, 'its worker threads are stopped'));
    }
    const piscina = this.#start();
    const transferList = transferListOf(input);
    // A moved input is gone from this thread: a second attempt would have nothing to send.
    if (transferList !== undefined) ctx.preventRetry?.();
    // The traceparent only when the pool is traced: an absent key costs the clone nothing.
    const traceparent = ctx.traceparent;
    const message =
      traceparent === undefined
        ? { input, attempt: ctx.attempt, taskId: ctx.task.id }
        : { input, attempt: ctx.attempt, taskId: ctx.task.id, traceparent };
    // The pool tells the lifecycle's abort() of an abort (see below): reading ctx.signal would
    // make an AbortController per attempt, and piscina's own per-task signal path costs ~15 %
    // of the dispatch rate; terminating the attempt's thread is all either would do. A context
    // made by hand (the handler called outside a pool) has no pool to tell us.
    const signal = typeof ctx.preventRetry === 'function' ? undefined : ctx.signal;
    return this.#post(piscina, message, transferList, ctx, signal) as Promise<O>;
  }

  /**
   * One message for a whole batch: the worker function gets the inputs' array. Its signal
   * (one per call, not per item) terminates the thread when the pool aborts the call.
   */
  runBatch<I, O>(inputs: I[], ctx: BatchContext<I>): Promise<BatchReply<O>> {
    if (this.#closed) {
      return Promise.reject(
        new PoolClosedError(ctx.tasks[0]?.id, 'its worker threads are stopped'),
      );
    }
    const piscina = this.#start();
    const message = {
      batch: true,
      inputs,
      attempts: ctx.attempts,
      taskIds: ctx.tasks.map((task) => task.id),
    };
    return this.#post(piscina, message, undefined, ctx, ctx.signal).then((reply) =>
      Array.isArray(reply) ? reply.map(itemOutcome) : (reply as BatchReply<O>),
    ) as Promise<BatchReply<O>>;
  }

  /** Posts one message to a free thread; settles with its value or its error as the pool sees it. */
  #post(
    piscina: Piscina,
    message: object,
    transferList: ReturnType<typeof transferListOf>,
    key: object,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const dispatch: Dispatch = { threadId: undefined, abortReason: undefined };
    this.#attempts.set(key, dispatch);
    signal?.addEventListener('abort', () => this.abort(key, signal.reason), { once: true });
    this.#dispatching = dispatch;
    let running: Promise<unknown>;
    try {
      running = piscina.run(message, transferList === undefined ? undefined : { transferList });
    } finally {
      this.#dispatching = undefined;
    }
    if (dispatch.threadId === undefined) this.#waiting.push(dispatch);
    return running.then(
      (value) => {
        this.#attempts.delete(key);
        this.#settle(dispatch, 'completed');
        return value;
      },
      (error: unknown) => {
        this.#attempts.delete(key);
        const threadId = this.#settle(dispatch, 'failed');
        if (dispatch.abortReason !== undefined) throw dispatch.abortReason;
        const failure = this.#toError(error, threadId);
        if (failure instanceof WorkerThreadError) {
          this.#events.next({ type: 'died', threadId, error: failure, attempt: true });
        }
        throw failure;
      },
    );
  }

  /**
   * The pool aborted an attempt: its thread is terminated (a fresh one replaces it); one still
   * waiting for a thread is terminated as soon as piscina hands it one (see the balancer).
   */
  abort(ctx: object, reason: Error): void {
    const dispatch = this.#attempts.get(ctx);
    if (dispatch === undefined || dispatch.abortReason !== undefined) return;
    dispatch.abortReason = reason;
    const { threadId } = dispatch;
    // Only while the thread still runs this attempt: once settled, it may run another.
    if (threadId !== undefined && this.#busy.get(threadId) === dispatch) this.#terminate(threadId);
  }

  #terminate(threadId: number): void {
    // piscina takes a thread that exits before it is ready for one that fails at start-up,
    // and from then on replaces no thread that dies (threads.count fell to 0 with min 1):
    // a starting thread is terminated once it is ready instead.
    if (!this.#ready.has(threadId)) {
      this.#terminateWhenReady.add(threadId);
      return;
    }
    const worker = this.#piscina?.threads.find((thread) => thread.threadId === threadId);
    // piscina sees the exit, fails the attempt's promise and starts a replacement.
    void worker?.terminate();
  }

  metrics(): ThreadsMetrics {
    const perThread: ThreadMetrics[] = [];
    if (this.#piscina !== undefined && !this.#closed) {
      for (const worker of this.#piscina.threads) {
        const threadId = worker.threadId;
        const counts = this.#counts.get(threadId);
        perThread.push({
          threadId,
          state: this.#busy.has(threadId)
            ? 'busy'
            : this.#loaded.has(threadId)
              ? 'idle'
              : 'starting',
          completed: counts?.completed ?? 0,
          failed: counts?.failed ?? 0,
        });
      }
    }
    const busy = perThread.filter((thread) => thread.state === 'busy').length;
    const count = perThread.length;
    return { count, busy, utilization: count === 0 ? 0 : busy / count, perThread };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina?.destroy();
    this.#events.complete();
  }

  #start(): Piscina {
    if (this.#piscina !== undefined) return this.#piscina;
    // piscina loads with the first thread handler, not with the package.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
    const { Piscina } = require('piscina') as typeof import('piscina');
    const { filename, name, min, max, idleTimeoutMs, resourceLimits, tsNode } = this.settings;
    const { env, argv, execArgv, workerData } = this.settings;
    const balance: PiscinaLoadBalancer = (_task, workers) => {
      // One attempt per thread; never a thread being terminated.
      const free = workers.find((worker) => worker.currentUsage === 0 && !worker.terminating);
      if (free === undefined) return null;
      const dispatch = this.#dispatching ?? this.#waiting.shift();
      if (dispatch !== undefined) {
        dispatch.threadId = free.id;
        this.#busy.set(free.id, dispatch);
        // Aborted while it waited: piscina posts it to this thread right after this call
        // returns; the thread is then terminated before it can run anything else.
        if (dispatch.abortReason !== undefined) queueMicrotask(() => this.#terminate(free.id));
      }
      return free;
    };
    const piscina = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: min,
      maxThreads: max,
      idleTimeout: idleTimeoutMs,
      concurrentTasksPerWorker: 1,
      resourceLimits,
      recordTiming: false,
      loadBalancer: balance,
      // thread-worker.js reads its settings, then gives the user's workerData to the thread.
      workerData: { filename, name, tsNode, workerData },
      ...(env === undefined ? {} : { env }),
      ...(argv === undefined ? {} : { argv }),
      ...(execArgv === undefined ? {} : { execArgv }),
    });
    piscina.on('message', (message: unknown) => {
      const threadId = (message as { [READY]?: unknown } | null)?.[READY];
      if (typeof threadId === 'number') this.#loaded.add(threadId);
    });
    piscina.on('workerCreate', (worker: { id: number }) => {
      this.#ready.add(worker.id);
      this.#events.next({ type: 'created', threadId: worker.id });
      if (!this.#terminateWhenReady.delete(worker.id)) return;
      // Still on the aborted attempt (it may have ended while the thread started).
      if (this.#busy.get(worker.id)?.abortReason !== undefined) this.#terminate(worker.id);
    });
    // The destroyed thread's id reads -1 by now (its Worker has exited): which threads are
    // gone is read from the live list once piscina has dropped it, a microtask later.
    piscina.on('workerDestroy', () => queueMicrotask(() => this.#forgetGoneThreads()));
    // piscina emits 'error' for a thread that dies with no task on it; unheard, it would
    // crash the process.
    piscina.on('error', (error: unknown) => {
      this.#logger.warn({ err: error }, 'a worker thread died while idle; it is replaced');
      const err = error instanceof Error ? error : new Error(String(error));
      this.#events.next({ type: 'died', threadId: undefined, error: err, attempt: false });
    });
    this.#piscina = piscina;
    return piscina;
  }

  /** Drops the books of threads piscina no longer lists, and tells `destroyed` for each. */
  #forgetGoneThreads(): void {
    const live = new Set(this.#piscina?.threads.map((thread) => thread.threadId));
    for (const threadId of this.#ready) {
      if (live.has(threadId)) continue;
      this.#ready.delete(threadId);
      this.#terminateWhenReady.delete(threadId);
      this.#loaded.delete(threadId);
      this.#counts.delete(threadId);
      this.#events.next({ type: 'destroyed', threadId });
    }
  }

  #unwait(dispatch: Dispatch): void {
    const index = this.#waiting.indexOf(dispatch);
    if (index !== -1) this.#waiting.splice(index, 1);
  }

  /** Frees the attempt's thread in the books; returns the thread it ran on, if any. */
  #settle(dispatch: Dispatch, outcome: 'completed' | 'failed'): number | undefined {
    const { threadId } = dispatch;
    if (threadId === undefined) {
      this.#unwait(dispatch);
      return undefined;
    }
    if (this.#busy.get(threadId) === dispatch) this.#busy.delete(threadId);
    // A thread that returned a value has loaded its module: its ready message comes on
    // another channel than the result and may arrive after it.
    if (outcome === 'completed') this.#loaded.add(threadId);
    let counts = this.#counts.get(threadId);
    if (counts === undefined) this.#counts.set(threadId, (counts = { completed: 0, failed: 0 }));
    counts[outcome]++;
    return threadId;
  }

  /** The attempt's error as the handler reports it (see WorkerThreadError for the kinds). */
  #toError(error: unknown, threadId: number | undefined): unknown {
    if (error !== null && typeof error === 'object' && THROWN in error) {
      return fromThrown(error as unknown as ThrownData);
    }
    const err = error instanceof Error ? error : new Error(String(error));
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new WorkerThreadError(
        'out-of-memory',
        1,
        `worker thread ran out of memory: ${err.message}`,
        {
          cause: err,
          threadId,
        },
      );
    }
    const exited = /worker exited with code: (-?\d+)/.exec(err.message);
    if (exited) {
      const exitCode = Number(exited[1]);
      return new WorkerThreadError('exit', exitCode, `worker thread exited with code ${exitCode}`, {
        cause: err,
        threadId,
      });
    }
    // An input a thread cannot receive (a function, a class instance's methods) never will.
    if (err.name === 'DataCloneError') return NonRetryableError.mark(err);
    return new WorkerThreadError('error', 1, `worker thread died: ${err.message}`, {
      cause: err,
      threadId,
    });
  }
}

/** A batch reply's entry from a thread: an output, or an item's failure sent as data. */
function itemOutcome(entry: unknown): unknown {
  if (entry === null || typeof entry !== 'object' || !(ITEM_FAILED in entry)) return entry;
  return new BatchItemFailure(fromThrown((entry as Record<string, ThrownData>)[ITEM_FAILED]));
}
