/** What the index reads of a task. */
interface IndexedTask {
  readonly id: string;
  readonly hasCallerId: boolean;
  /** The generated id as a number; undefined for a caller-chosen id. */
  readonly serial: number | undefined;
}

/**
 * The live tasks (queued, in backoff or running) by id, for `cancel`, `setPriority`,
 * `taskState` and the duplicate-id check. Caller ids are in a map; a generated id is looked
 * for only if it could be one (its serial was minted), by a scan of the live tasks: a map
 * entry for every task would cost each queued task ~30 bytes.
 */
export class LiveTaskIndex<T extends IndexedTask> {
  readonly #byCallerId = new Map<string, T>();

  constructor(
    /** The first live task that matches, or undefined: running, then in backoff, then queued. */
    private readonly scan: (match: (task: T) => boolean) => T | undefined,
  ) {}

  /** A task was accepted. */
  add(task: T): void {
    if (task.hasCallerId) this.#byCallerId.set(task.id, task);
  }

  /** A task ended. */
  delete(task: T): void {
    if (task.hasCallerId) this.#byCallerId.delete(task.id);
  }

  /** True while some live task has a caller-chosen id. */
  get hasCallerIds(): boolean {
    return this.#byCallerId.size > 0;
  }

  /** True when a live task has this caller-chosen id. */
  hasCallerId(id: string): boolean {
    return this.#byCallerId.has(id);
  }

  /** The live task with this id; generated ids above `mintedUpTo` were never made. */
  find(id: string, mintedUpTo: number): T | undefined {
    const byCaller = this.#byCallerId.get(id);
    if (byCaller !== undefined) return byCaller;
    if (!/^[1-9][0-9]*$/.test(id) || Number(id) > mintedUpTo) return undefined;
    const serial = Number(id);
    return this.scan((task) => task.serial === serial);
  }
}
