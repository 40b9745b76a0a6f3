import { describeValue } from '../options/describe-value';

/**
 * The promises of `onIdle()` and `onSizeLessThan()`: each waiter is settled when the engine
 * reports a size or idleness that satisfies it, or at shutdown. The engine checks `waiting`
 * first, so a pool nobody waits on pays nothing per task.
 */
export class Waiters {
  #idle: (() => void)[] = [];
  #size: { limit: number; resolve: () => void }[] = [];

  /** True while any waiter is pending. */
  get waiting(): boolean {
    return this.#idle.length > 0 || this.#size.length > 0;
  }

  get waitingForSize(): boolean {
    return this.#size.length > 0;
  }

  onIdle(idle: boolean): Promise<void> {
    if (idle) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  onSizeLessThan(size: number, limit: number): Promise<void> {
    if (typeof limit !== 'number' || Number.isNaN(limit)) {
      return Promise.reject(
        new TypeError(`Expected \`limit\` to be a number, got ${describeValue(limit)}`),
      );
    }
    if (size < limit) return Promise.resolve();
    return new Promise((resolve) => this.#size.push({ limit, resolve }));
  }

  /** Settles the size waiters that `size` satisfies. */
  sizeIs(size: number): void {
    if (this.#size.length === 0) return;
    const still: { limit: number; resolve: () => void }[] = [];
    for (const waiter of this.#size) {
      if (size < waiter.limit) waiter.resolve();
      else still.push(waiter);
    }
    this.#size = still;
  }

  /** Settles the idle waiters, after the current task (the merge has freed its slot by then). */
  idle(): void {
    if (this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    queueMicrotask(() => waiters.forEach((resolve) => resolve()));
  }

  /** Shutdown: none is left pending. */
  releaseAll(): void {
    const idle = this.#idle;
    const size = this.#size;
    this.#idle = [];
    this.#size = [];
    for (const resolve of idle) resolve();
    for (const waiter of size) waiter.resolve();
  }
}
