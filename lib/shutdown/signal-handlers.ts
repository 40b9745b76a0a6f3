import { constants } from 'node:os';
import type { Logger } from 'pino';
import type { ShutdownOptions, ShutdownReport } from './shutdown-report';

/** What the signal handlers need of a pool. */
export interface ShutdownTarget {
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport<unknown>>;
}

/** Process hooks, injectable so specs do not exit the test runner. */
export interface ProcessHooks {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void;
  exit(code: number): void;
}

const realProcess: ProcessHooks = {
  on: (signal, listener) => process.on(signal, listener),
  off: (signal, listener) => process.off(signal, listener),
  exit: (code) => process.exit(code),
};

/**
 * The first signal starts a shutdown with the deadline and exits 0 if everything drained, 1 if
 * the deadline cut work; a second signal forces it and exits with 128 + the signal number.
 * Returns the function that removes the handlers (called after shutdown).
 */
export function installSignalHandlers(
  target: ShutdownTarget,
  signals: readonly NodeJS.Signals[],
  timeoutMs: number,
  logger: Logger,
  hooks: ProcessHooks = realProcess,
): () => void {
  let received = 0;
  let forcedCode: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      logger.info({ signal, timeoutMs }, 'signal received: shutting down');
      target.shutdown({ timeoutMs }).then(
        // A second signal may have forced this same shutdown: its exit code wins.
        (report) => hooks.exit(forcedCode ?? (report.timedOut ? 1 : 0)),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          hooks.exit(1);
        },
      );
      return;
    }
    logger.warn({ signal }, 'second signal: forcing shutdown');
    const code = (forcedCode = 128 + (constants.signals[signal] ?? 0));
    // force: running tasks are aborted now; the first shutdown's promise resolves with them.
    target.shutdown({ force: true }).finally(() => hooks.exit(code));
  };
  for (const signal of signals) hooks.on(signal, onSignal);
  return () => {
    for (const signal of signals) hooks.off(signal, onSignal);
  };
}
