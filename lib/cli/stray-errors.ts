/** Running tasks named in a stray error's report at most. */
const MAX_NAMED = 5;

/**
 * Keeps a run alive through exceptions and rejections that no task's promise carries (a
 * handler's stray callback, its own `setTimeout`): each is reported on stderr with the tasks
 * running when it came, and the run goes on. Returns the function that stops listening.
 *
 * @param write Where the report goes (stderr).
 * @param running The ids of the tasks running now.
 */
export function reportStrayErrors(
  write: (line: string) => void,
  running: () => readonly string[],
): () => void {
  const report = (kind: string) => (error: unknown) => {
    const ids = running();
    const named = ids
      .slice(0, MAX_NAMED)
      .map((id) => JSON.stringify(id))
      .join(', ');
    const tasks =
      ids.length === 0
        ? ''
        : ` while task${ids.length === 1 ? '' : 's'} ${named}${ids.length > MAX_NAMED ? ` and ${ids.length - MAX_NAMED} more` : ''} ran`;
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    write(`${kind} from a handler${tasks} (the run goes on): ${reason}\n`);
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
