/**
 * One 'abort' listener per caller `AbortSignal`, however many tasks share it: aborting it
 * cancels each of them (queued) or aborts it (running). The listener is removed when the last
 * task on the signal ends, so a long-lived signal keeps nothing alive.
 */
export class AbortWatchers<T> {
  readonly #watchers = new WeakMap<AbortSignal, { tasks: Set<T>; listener: () => void }>();

  constructor(private readonly onAbort: (tasks: T[], reason: unknown) => void) {}

  watch(signal: AbortSignal, task: T): void {
    let watcher = this.#watchers.get(signal);
    if (watcher === undefined) {
      const tasks = new Set<T>();
      const listener = (): void => {
        this.#watchers.delete(signal);
        const aborted = [...tasks];
        tasks.clear();
        this.onAbort(aborted, signal.reason);
      };
      watcher = { tasks, listener };
      this.#watchers.set(signal, watcher);
      signal.addEventListener('abort', listener, { once: true });
    }
    watcher.tasks.add(task);
  }

  unwatch(signal: AbortSignal, task: T): void {
    const watcher = this.#watchers.get(signal);
    if (watcher === undefined || !watcher.tasks.delete(task) || watcher.tasks.size > 0) return;
    this.#watchers.delete(signal);
    signal.removeEventListener('abort', watcher.listener);
  }
}
