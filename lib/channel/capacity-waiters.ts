/**
 * The producers waiting for room in a bounded scheduler (`whenCapacity()`), woken in arrival
 * order as room appears: one waiter per free place.
 */
export class CapacityWaiters {
  #waiters: (() => void)[] = [];

  /** True while someone waits: the scheduler tells {@link notify} only then. */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** Resolves at once when there is room, else when {@link notify} gives this waiter a place. */
  whenRoom(hasRoom: boolean): Promise<void> {
    if (hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes as many waiters as there are free places (`room`). */
  notify(room: number): void {
    const waiters = this.#waiters;
    while (room-- > 0 && waiters.length > 0) (waiters.shift() as () => void)();
  }

  /** Wakes every waiter now (shutdown: none is left pending). */
  releaseAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
