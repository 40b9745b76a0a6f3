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

interface Registration {
  signals: readonly NodeJS.Signals[];
  timeoutMs: number;
  logger: Logger;
}

/**
 * One per process (per set of hooks): every pool with `handleSignals` registers here, and the
 * process gets one listener per signal however many pools there are (no MaxListeners warning).
 *
 * The first signal shuts every registered pool down with its own deadline; the process exits
 * only once all of them have finished (cleanups included), with the worst code: 0 if all
 * drained, 1 if a deadline cut work. A second signal forces every one of them and exits with
 * 128 + the signal number once they have all returned.
 */
class SignalCoordinator {
  readonly #targets = new Map<ShutdownTarget, Registration>();
  readonly #listening = new Set<NodeJS.Signals>();
  #inProgress: { target: ShutdownTarget; done: Promise<number> }[] | undefined;
  #forcedCode: number | undefined;

  constructor(private readonly hooks: ProcessHooks) {}

  register(target: ShutdownTarget, registration: Registration): () => void {
    this.#targets.set(target, registration);
    for (const signal of registration.signals) {
      if (this.#listening.has(signal)) continue;
      this.#listening.add(signal);
      this.hooks.on(signal, this.#onSignal);
    }
    return () => this.#unregister(target);
  }

  #unregister(target: ShutdownTarget): void {
    this.#targets.delete(target);
    // While a signal-started shutdown runs, a second signal must still be caught.
    if (this.#inProgress !== undefined) return;
    const wanted = new Set([...this.#targets.values()].flatMap((r) => r.signals));
    for (const signal of [...this.#listening]) {
      if (wanted.has(signal)) continue;
      this.#listening.delete(signal);
      this.hooks.off(signal, this.#onSignal);
    }
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#inProgress === undefined) this.#start(signal);
    else this.#force(signal);
  };

  #start(signal: NodeJS.Signals): void {
    const started = [...this.#targets].map(([target, { timeoutMs, logger }]) => {
      logger.info({ signal, timeoutMs }, 'signal received: shutting down');
      const done = target.shutdown({ timeoutMs }).then(
        (report) => (report.timedOut ? 1 : 0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          return 1;
        },
      );
      return { target, done };
    });
    this.#inProgress = started;
    void Promise.all(started.map((s) => s.done)).then((codes) => {
      // A second signal may have forced these same shutdowns: its exit code wins.
      if (this.#forcedCode === undefined) this.hooks.exit(Math.max(0, ...codes));
    });
  }

  #force(signal: NodeJS.Signals): void {
    if (this.#forcedCode !== undefined) return;
    const code = (this.#forcedCode = 128 + (constants.signals[signal] ?? 0));
    const inProgress = this.#inProgress ?? [];
    for (const { target } of inProgress) {
      this.#targets.get(target)?.logger.warn({ signal }, 'second signal: forcing shutdown');
    }
    // force: running tasks are aborted now; a pool returns the promise of its first shutdown,
    // so this settles once each has finished (cleanups included).
    void Promise.allSettled(inProgress.map(({ target }) => target.shutdown({ force: true }))).then(
      () => this.hooks.exit(code),
    );
  }
}

const coordinators = new WeakMap<ProcessHooks, SignalCoordinator>();

/**
 * Registers `target` with the process-wide signal coordinator: the first of `signals` shuts it
 * (and every other registered pool) down with the deadline and exits 0 if everything drained,
 * 1 if a deadline cut work; a second signal forces it and exits with 128 + the signal number.
 * Returns the function that unregisters it (called after its shutdown).
 */
export function installSignalHandlers(
  target: ShutdownTarget,
  signals: readonly NodeJS.Signals[],
  timeoutMs: number,
  logger: Logger,
  hooks: ProcessHooks = realProcess,
): () => void {
  let coordinator = coordinators.get(hooks);
  if (coordinator === undefined) {
    coordinator = new SignalCoordinator(hooks);
    coordinators.set(hooks, coordinator);
  }
  return coordinator.register(target, { signals, timeoutMs, logger });
}

/**
 * What {@link onSignals} does with the first signal and with every one after it.
 *
 * ## Example
 * ```ts
 * import { onSignals, type SignalSteps } from 'rxjs-worker-pool';
 * const steps: SignalSteps = {
 *   first: () => void pool.shutdown({ timeoutMs: 10_000 }),
 *   again: () => void pool.shutdown({ force: true }),
 * };
 * onSignals(steps, ['SIGTERM']);
 * ```
 */
export interface SignalSteps {
  /** The first of the signals: begin a graceful stop. */
  first(signal: NodeJS.Signals): void;
  /** Any signal after the first: the user insists (force, or say it is already stopping). */
  again(signal: NodeJS.Signals): void;
}

/**
 * The first-signal / second-signal convention of a command-line program, for code that runs
 * its own shutdown rather than `handleSignals` (which exits the process): `first` is called
 * for the first of `signals` (SIGINT, SIGTERM by default), `again` for every later one, and
 * the returned function removes the listeners. The pool's CLI stands on it.
 *
 * ## Example
 * ```ts
 * import { onSignals } from 'rxjs-worker-pool';
 * const stopListening = onSignals({
 *   first: (signal) => {
 *     console.error(`${signal}: draining (again to force)`);
 *     void pool.shutdown({ timeoutMs: 10_000 });
 *   },
 *   again: () => void pool.shutdown({ force: true }),
 * });
 * await pool.onIdle();
 * stopListening();
 * ```
 */
export function onSignals(
  steps: SignalSteps,
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
): () => void {
  return listenForSignals(steps, signals, realProcess);
}

/** {@link onSignals} on given process hooks (specs pass fakes). */
export function listenForSignals(
  steps: SignalSteps,
  signals: readonly NodeJS.Signals[],
  hooks: Pick<ProcessHooks, 'on' | 'off'>,
): () => void {
  let received = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (received) {
      steps.again(signal);
      return;
    }
    received = true;
    steps.first(signal);
  };
  for (const signal of signals) hooks.on(signal, listener);
  return () => {
    for (const signal of signals) hooks.off(signal, listener);
  };
}
