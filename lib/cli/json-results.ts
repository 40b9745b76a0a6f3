import { isObservable, map } from 'rxjs';
import {
  BatchItemFailure,
  HANDLER_LIFECYCLE,
  NonRetryableError,
  batchHandler,
  type BatchOptions,
  type Handler,
} from '../index';

/**
 * A handler whose values must be JSON (a result line, a BullMQ job's return value): a value
 * JSON cannot hold (a BigInt, a circular object) fails its task with a NonRetryableError that
 * says so, where it would otherwise throw later, in the results writer, and end the run.
 * Primitives other than BigInt pass without a look; a thread handler keeps its lifecycle.
 */
export function jsonResults<I, O>(handler: Handler<I, O>): Handler<I, O> {
  const wrapped: Handler<I, O> = (input, ctx) => {
    const out = handler(input, ctx);
    if (isObservable(out)) return out.pipe(map(checkJson));
    if (out !== null && typeof (out as PromiseLike<O> | undefined)?.then === 'function') {
      return Promise.resolve(out as PromiseLike<O>).then(checkJson);
    }
    return checkJson(out as O);
  };
  const lifecycle = (handler as { [HANDLER_LIFECYCLE]?: unknown })[HANDLER_LIFECYCLE];
  return lifecycle === undefined
    ? wrapped
    : Object.assign(wrapped, { [HANDLER_LIFECYCLE]: lifecycle });
}

/**
 * `--batch`: the handler module's function takes the array of inputs and returns one output
 * per input; an output JSON cannot hold fails its item alone, as {@link jsonResults} would.
 */
export function jsonBatch<I, O>(fn: Handler<I, O>, options: BatchOptions): Handler<I, O> {
  const run = fn as unknown as (inputs: I[], ctx: unknown) => unknown;
  return batchHandler<I, O>(async (inputs, ctx) => {
    const reply = await run(inputs, ctx);
    if (!Array.isArray(reply)) return reply as never;
    return reply.map((value: unknown) => {
      if (value instanceof BatchItemFailure) return value;
      try {
        return checkJson(value as O);
      } catch (error) {
        return new BatchItemFailure(error);
      }
    });
  }, options);
}

function checkJson<O>(value: O): O {
  const type = typeof value;
  if (type !== 'object' && type !== 'bigint') return value;
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new NonRetryableError(
      `the handler's value cannot be written as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return value;
}
