import { AsyncLocalStorage } from 'node:async_hooks';
import type { Handler } from '../index';

/** The id of the task whose handler call (and whatever it scheduled) is running. */
const runningTask = new AsyncLocalStorage<string>();

/**
 * The handler, each call run with its task's id in an AsyncLocalStorage, so an exception that
 * escapes through a callback the handler scheduled (its own `setTimeout`, an emitter) can be
 * put down to the task whose call scheduled it.
 */
export function withTaskContext<I, O>(handler: Handler<I, O>): Handler<I, O> {
  return (input, ctx) => runningTask.run(ctx.task.id, () => handler(input, ctx));
}

/**
 * Keeps a run alive through exceptions and rejections that no task's promise carries (a
 * handler's stray callback): each is reported on stderr with the task it came from, and the
 * run goes on. Returns the function that stops listening.
 */
export function reportStrayErrors(write: (line: string) => void): () => void {
  const report = (kind: string) => (error: unknown) => {
    const task = runningTask.getStore();
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    write(
      `${kind}${task === undefined ? '' : ` from the handler of task ${JSON.stringify(task)}`} (the run goes on): ${reason}\n`,
    );
  };
  const onException = report('uncaught exception');
  const onRejection = report('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
