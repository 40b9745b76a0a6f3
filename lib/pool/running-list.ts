/** An item that can be linked into a {@link RunningList} (intrusive: no wrapper objects). */
export interface RunningNode {
  prevRunning: RunningNode | undefined;
  nextRunning: RunningNode | undefined;
  isRunning: boolean;
}

/**
 * The attempts holding a slot, in start order: O(1) add and remove with no allocation.
 * A `Set` here allocated ~40 bytes a task as deletes made it rehash.
 */
export class RunningList<N extends RunningNode> {
  #head: N | undefined;
  #tail: N | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(node: N): void {
    node.isRunning = true;
    node.prevRunning = this.#tail;
    node.nextRunning = undefined;
    if (this.#tail) this.#tail.nextRunning = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
  }

  delete(node: N): void {
    if (!node.isRunning) return;
    node.isRunning = false;
    const prev = node.prevRunning as N | undefined;
    const next = node.nextRunning as N | undefined;
    if (prev) prev.nextRunning = next;
    else this.#head = next;
    if (next) next.prevRunning = prev;
    else this.#tail = prev;
    node.prevRunning = node.nextRunning = undefined;
    this.#size--;
  }

  /** A copy, oldest first, safe to iterate while the list changes. */
  toArray(): N[] {
    const out: N[] = [];
    for (let node = this.#head; node !== undefined; node = node.nextRunning as N | undefined) {
      out.push(node);
    }
    return out;
  }
}
