import type { Logger } from 'pino';
import { lastValueFrom, isObservable, type Observable } from 'rxjs';
import { BatchError } from '../errors/batch-error';
import { checkDuration, checkFunction, checkNumber } from '../options/check-option';
import { unknownNameMessage } from '../options/closest-name';
import { describeValue } from '../options/describe-value';
import type { Handler, Task, TaskContext } from './task';

/**
 * How a {@link batchHandler} forms its batches.
 *
 * ## Example
 * ```ts
 * import type { BatchOptions } from 'rxjs-worker-pool';
 * // up to 500 rows a call; with fewer waiting, wait up to 20 ms for more
 * const options: BatchOptions = { maxSize: 500, maxWaitMs: 20 };
 * ```
 */
export interface BatchOptions {
  /**
   * The most items a call receives, counted in weight units: a task of weight 3 takes 3 (so a
   * weight can be rows or bytes). An integer from 1.
   */
  readonly maxSize: number;
  /**
   * With fewer than `maxSize` units waiting, how long a forming batch waits for more (on the
   * pool's scheduler) while it holds its slot. Defaults to 0: start with what is there.
   */
  readonly maxWaitMs?: number;
}

/**
 * What a batch function receives besides its inputs: one signal for the call, and the tasks
 * and attempt numbers of its items, in input order.
 *
 * ## Example
 * ```ts
 * import type { BatchContext } from 'rxjs-worker-pool';
 * async function insertRows(rows: Row[], { signal, tasks, attempts, logger }: BatchContext<Row>) {
 *   logger.debug({ ids: tasks.map((task) => task.id), attempts }, 'inserting');
 *   return db.insertMany(rows, { signal });
 * }
 * ```
 */
export interface BatchContext<I> {
  /** Aborted when the call times out, shutdown gives up on it, or all its items are cancelled. */
  readonly signal: AbortSignal;
  /** The items' tasks, in input order. */
  readonly tasks: readonly Task<I>[];
  /** Each item's attempt number (1 for its first), in input order. */
  readonly attempts: readonly number[];
  /** A child logger bound to the batch's size. */
  readonly logger: Logger;
}

/**
 * One batch call: the outputs in input order, one per input, where a {@link BatchItemFailure}
 * fails that item alone; as a value, a Promise, or an Observable (its last value counts, and
 * unsubscribing is how an abort stops it). A throw, a rejection, an error or an array of
 * another length fails every item's attempt with a `BatchError`.
 *
 * ## Example
 * ```ts
 * import { batchHandler, type BatchFunction } from 'rxjs-worker-pool';
 * const translate: BatchFunction<string, string> = async (texts, { signal }) => {
 *   const body = JSON.stringify(texts); // one request for up to 100 texts
 *   const response = await fetch('https://api.example/translate', { method: 'POST', body, signal });
 *   return (await response.json()) as string[];
 * };
 * const handler = batchHandler(translate, { maxSize: 100, maxWaitMs: 10 });
 * ```
 */
export type BatchFunction<I, O> = (
  inputs: I[],
  ctx: BatchContext<I>,
) => BatchReply<O> | Promise<BatchReply<O>> | Observable<BatchReply<O>>;

/**
 * What a batch call returns: one output, or a {@link BatchItemFailure}, per input.
 *
 * ## Example
 * ```ts
 * import { BatchItemFailure, type BatchReply } from 'rxjs-worker-pool';
 * const reply: BatchReply<number> = [1, new BatchItemFailure(new Error('row 2 rejected')), 3];
 * ```
 */
export type BatchReply<O> = ReadonlyArray<O | BatchItemFailure>;

/**
 * An entry of a batch function's result that fails its item alone, with `error`; the item is
 * retried by its own retry policy (it may join another batch).
 *
 * ## Example
 * ```ts
 * import { batchHandler, BatchItemFailure } from 'rxjs-worker-pool';
 * const handler = batchHandler(
 *   async (emails: string[]) => {
 *     const sent = await mailer.sendMany(emails);
 *     return sent.map((ok, i) => (ok ? emails[i] : new BatchItemFailure(new Error('bounced'))));
 *   },
 *   { maxSize: 100 },
 * );
 * ```
 */
export class BatchItemFailure {
  constructor(readonly error: unknown) {}
}
/** The brand of a {@link BatchItemFailure}, shared by every copy of the package (and threads). */
const ITEM_FAILURE = Symbol.for('rxjs-worker-pool.batch-item-failure');
Object.defineProperty(BatchItemFailure.prototype, ITEM_FAILURE, { value: true });

/** True for a {@link BatchItemFailure} made by any copy of the package. */
export function isBatchItemFailure(value: unknown): value is BatchItemFailure {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { [ITEM_FAILURE]?: unknown })[ITEM_FAILURE] === true
  );
}

/** What a batch handler carries for the pool. `Symbol.for`: two copies of the package agree. */
const BATCH = Symbol.for('rxjs-worker-pool.batch');

/** A batch handler's function and options, as the pool reads them. */
export interface BatchSettings<I, O> {
  readonly run: BatchFunction<I, O>;
  readonly maxSize: number;
  readonly maxWaitMs: number;
}

/**
 * Makes a pool's handler that receives its tasks in batches: the pool gives it up to
 * `maxSize` waiting inputs at once, in its usual order (priority, keys, arrival), and each
 * task still gets its own result, retries and cancellation. One batch is one attempt holding
 * one slot; it runs under the smallest `timeoutMs` of its items.
 *
 * Called outside a pool (or by a wrapper), the handler runs a batch of one.
 *
 * ## Example
 * ```ts
 * import { WorkerPool, batchHandler } from 'rxjs-worker-pool';
 * const pool = new WorkerPool<Row, number>({
 *   handler: batchHandler(async (rows: Row[], { signal }) => db.insertMany(rows, { signal }), {
 *     maxSize: 500,
 *     maxWaitMs: 20,
 *   }),
 *   concurrency: 4,
 * });
 * const id = await pool.submit(row); // each task still gets its own result
 * ```
 *
 * @param run The batch function: inputs in, one output (or {@link BatchItemFailure}) per input out.
 * @param options `maxSize` and `maxWaitMs`.
 * @return A handler for `WorkerPool`'s `handler` option.
 */
export function batchHandler<I, O>(run: BatchFunction<I, O>, options: BatchOptions): Handler<I, O> {
  const settings = checkBatchOptions(checkFunction<BatchFunction<I, O>>(run, 'run'), options);
  const single = async (input: I, ctx: TaskContext<I>): Promise<O> => {
    const context: BatchContext<I> = {
      signal: ctx.signal,
      tasks: [ctx.task],
      attempts: [ctx.attempt],
      logger: ctx.logger,
    };
    const reply = run([input], context);
    const [outcome] = batchOutcomes(await (isObservable(reply) ? lastValueFrom(reply) : reply), 1);
    if (isBatchItemFailure(outcome)) throw outcome.error;
    return outcome as O;
  };
  return Object.assign(single, { [BATCH]: settings });
}

/** The batch settings a handler carries, if it is a batch handler. */
export function batchSettings<I, O>(handler: unknown): BatchSettings<I, O> | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as { [BATCH]?: BatchSettings<I, O> })[BATCH];
}

/**
 * A batch function's result, checked: an array of one entry per input. Anything else is a
 * `BatchError` naming what came back.
 */
export function batchOutcomes(result: unknown, size: number): ReadonlyArray<unknown> {
  if (!Array.isArray(result)) {
    throw new BatchError(
      `The batch function returned ${describeValue(result)} instead of an array of ${size} results`,
      size,
    );
  }
  if (result.length !== size) {
    throw new BatchError(
      `The batch function returned ${result.length} results for ${size} inputs`,
      size,
    );
  }
  return result;
}

const OPTION_NAMES = ['maxSize', 'maxWaitMs'];

function checkBatchOptions<I, O>(
  run: BatchFunction<I, O>,
  options: BatchOptions,
  path = 'batch',
): BatchSettings<I, O> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected \`${path}\` to be an object, got ${describeValue(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new TypeError(`\`${path}.${name}\`: ${unknownNameMessage(name, OPTION_NAMES)}`);
    }
  }
  const maxSize = checkNumber(options.maxSize, `${path}.maxSize`, { min: 1, integer: true });
  const maxWaitMs =
    options.maxWaitMs === undefined ? 0 : checkDuration(options.maxWaitMs, `${path}.maxWaitMs`);
  return { run, maxSize, maxWaitMs };
}
