'use strict';
/*
 * The module every worker thread of a threadHandler loads (piscina's `filename`). Plain
 * JavaScript on purpose: it must load in a thread before any TypeScript loader is set up, both
 * from dist/ and from lib/ under ts-node. It loads the user's worker file (registering ts-node
 * first for a .ts file), calls its function with (input, { attempt, taskId, traceparent }) (in
 * the attempt's trace context when the thread has OpenTelemetry), moves a value marked by
 * transfer() instead of copying it, and sends thrown errors back with their name. A batch
 * message (threadHandler's `batch` option) calls it with the array of inputs and
 * ({ attempts, taskIds, traceparent }), and sends each BatchItemFailure back as data.
 */
const threads = require('node:worker_threads');
const { syncBuiltinESMExports } = require('node:module');

const { parentPort, threadId } = threads;
const { pathToFileURL } = require('node:url');

const TRANSFER = Symbol.for('rxjs-worker-pool.transfer');
/** Marks a thrown error on its way to the parent (a string key: symbols do not cross threads). */
const THROWN = '__rxjsWorkerPoolThrown';
/** Brands BatchItemFailure (lib/task/batch-handler.ts), whichever copy of the package made it. */
const ITEM_FAILURE = Symbol.for('rxjs-worker-pool.batch-item-failure');
/** Marks an item's failure in a batch's reply (a string key: symbols do not cross threads). */
const ITEM_FAILED = '__rxjsWorkerPoolItemFailed';
const { filename, name, tsNode, workerData } = threads.workerData;
// The user's workerData is what their file sees, from require() and import alike.
threads.workerData = workerData;
syncBuiltinESMExports();

/** The user's function, loaded once per thread; a load error fails every attempt with it. */
const loaded = load().then(
  (fn) => {
    // Tells the parent this thread is past 'starting' (piscina forwards it as a 'message').
    parentPort.postMessage({ rxjsWorkerPoolReady: threadId });
    return { fn };
  },
  (error) => ({ error }),
);

async function load() {
  // Once per thread; not again if execArgv (-r ts-node/register) has already set it up.
  if (/\.[cm]?ts$/.test(filename) && tsNode && !process[Symbol.for('ts-node.register.instance')]) {
    require(tsNode.path).register(tsNode.options);
  }
  let exported;
  if (filename.endsWith('.mjs') || filename.endsWith('.mts')) {
    exported = await import(pathToFileURL(filename).href);
  } else {
    try {
      exported = require(filename);
    } catch (error) {
      if (error === null || typeof error !== 'object' || error.code !== 'ERR_REQUIRE_ESM') {
        throw error;
      }
      exported = await import(pathToFileURL(filename).href);
    }
  }
  // A module may export a Promise of its function, or of its exports (as piscina allows):
  // `module.exports = load()`, `export default load()`.
  if (isThenable(exported)) exported = await exported;
  if (isThenable(exported?.default)) exported = { ...exported, default: await exported.default };
  let fn = pick(exported);
  if (isThenable(fn)) fn = await fn;
  if (typeof fn !== 'function') {
    const what = name === undefined ? 'a default export' : `an export named '${name}'`;
    const error = new TypeError(`${filename} has no function as ${what}`);
    error.code = 'ERR_NO_WORKER_FUNCTION';
    throw error;
  }
  return fn;
}

function isThenable(value) {
  return value != null && typeof value.then === 'function';
}

/** The named export, or the default one, through the wrappers CJS/ESM interop adds. */
function pick(exported) {
  if (name !== undefined) {
    if (exported == null) return undefined;
    return exported[name] ?? exported.default?.[name];
  }
  if (typeof exported === 'function') return exported;
  const inner = exported?.default;
  if (typeof inner === 'function') return inner;
  return inner?.default;
}

/** What piscina calls for every attempt. */
module.exports = async function runAttempt(message) {
  const state = await loaded;
  if (state.error !== undefined) throw thrown(state.error, true);
  if (message.batch === true) return runBatch(state.fn, message);
  let value;
  try {
    const { traceparent } = message;
    const call = () =>
      traceparent === undefined
        ? state.fn(message.input, { attempt: message.attempt, taskId: message.taskId })
        : state.fn(message.input, {
            attempt: message.attempt,
            taskId: message.taskId,
            traceparent,
          });
    value = await (traceparent === undefined ? call() : inTraceContext(traceparent, call));
  } catch (error) {
    // thrown() keeps only an Error's plain fields: an Error always crosses.
    const refusal = error instanceof Error ? undefined : cloneRefusal(error);
    throw thrown(refusal === undefined ? error : unclonable('threw', refusal), false);
  }
  if (value !== null && typeof value === 'object' && value[TRANSFER] === true) {
    return require('piscina').move(value);
  }
  // piscina posts the value after this returns; one that cannot be cloned would throw there,
  // outside any promise, and kill the thread ("worker thread died: [object Object]").
  const refusal = cloneRefusal(value);
  if (refusal !== undefined) throw thrown(unclonable('returned', refusal), false);
  return value;
};

/** One batch call: the inputs in, one reply entry per input out (a failure as data). */
async function runBatch(fn, message) {
  const { inputs, attempts, taskIds, traceparent } = message;
  const ctx =
    traceparent === undefined ? { attempts, taskIds } : { attempts, taskIds, traceparent };
  let reply;
  try {
    const call = () => fn(inputs, ctx);
    reply = await (traceparent === undefined ? call() : inTraceContext(traceparent, call));
  } catch (error) {
    const refusal = error instanceof Error ? undefined : cloneRefusal(error);
    throw thrown(refusal === undefined ? error : unclonable('threw', refusal), false);
  }
  // Anything but an array goes back as it is: the pool names it in its BatchError.
  if (!Array.isArray(reply)) return cloneRefusal(reply) === undefined ? reply : null;
  return reply.map((entry) => {
    if (entry !== null && typeof entry === 'object' && entry[ITEM_FAILURE] === true) {
      return { [ITEM_FAILED]: thrown(entry.error, false) };
    }
    const refusal = cloneRefusal(entry);
    return refusal === undefined
      ? entry
      : { [ITEM_FAILED]: thrown(unclonable('returned', refusal), false) };
  });
}

/** @opentelemetry/api if this thread can load it (an optional peer), else null; looked up once. */
let otel;

/**
 * Runs `call` with the span `traceparent` names as the active context, so spans the worker
 * function makes join the attempt's trace. Without @opentelemetry/api, or without an SDK
 * registered in this thread (the API's no-op then), it is just `call()`.
 */
function inTraceContext(traceparent, call) {
  if (otel === undefined) {
    try {
      otel = require('@opentelemetry/api');
    } catch {
      otel = null;
    }
  }
  // The same grammar as parseTraceparent() in lib/task/traceparent.ts (version 00).
  const match = otel && /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent);
  if (!match) return call();
  const remote = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
  if (!otel.isSpanContextValid(remote)) return call();
  const parent = otel.trace.setSpanContext(otel.context.active(), remote);
  return otel.context.with(parent, call);
}

/**
 * Why a value cannot cross to the main thread, or undefined when it can: primitives and
 * binary data always can; anything else is tried with the same structured clone.
 */
function cloneRefusal(value) {
  const type = typeof value;
  if (value === null || (type !== 'object' && type !== 'function' && type !== 'symbol')) {
    return undefined;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return (error && error.message) || `${type} values cannot be cloned`;
  }
}

/** The error that replaces a value the structured clone refuses (a function, a symbol...). */
function unclonable(how, reason) {
  const error = new Error(
    `the worker function ${how} a value that cannot be sent to the main thread: ${reason}`,
  );
  error.name = 'DataCloneError';
  // The same value next time: no retry, and the thread is fine.
  error.unclonable = true;
  return error;
}

/** An error as plain data: a structured clone keeps only the built-in error names. */
function thrown(error, loading) {
  if (!(error instanceof Error)) return { [THROWN]: true, loading, value: error };
  const props = {};
  for (const key of Object.keys(error)) {
    const prop = error[key];
    if (prop === null || ['string', 'number', 'boolean'].includes(typeof prop)) props[key] = prop;
  }
  return {
    [THROWN]: true,
    loading,
    name: error.name,
    message: error.message,
    stack: error.stack,
    props,
  };
}
