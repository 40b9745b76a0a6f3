import { NonRetryableError } from '../index';

/** An error (or any thrown value) as thread-worker.js posts it back. */
export interface ThrownData {
  loading: boolean;
  value?: unknown;
  name?: string;
  message?: string;
  stack?: string;
  props?: Record<string, unknown>;
}

const BUILT_IN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** The worker function's error rebuilt in this thread: same name, message, stack and fields. */
export function fromThrown(data: ThrownData): unknown {
  if (data.name === undefined) return data.value;
  const Kind = BUILT_IN_ERRORS[data.name] ?? Error;
  const error = new Kind(data.message);
  Object.defineProperty(error, 'name', { value: data.name, configurable: true, writable: true });
  if (data.stack !== undefined) error.stack = data.stack;
  Object.assign(error, data.props);
  // A worker file that does not load will not load on the next attempt either, and a value
  // that cannot be cloned is the same value next time.
  const final = data.loading || (data.props as { unclonable?: unknown } | undefined)?.unclonable;
  return final ? NonRetryableError.mark(error) : error;
}
