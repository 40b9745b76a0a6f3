import { Heap } from 'heap-js';

/**
 * Items due at a time, earliest first (a binary heap: O(log n) to add and take). What a keyed
 * scheduler waits for: a key's rate window to reopen, an idle key to be forgotten.
 */
export class DueList<T> {
  readonly #heap = new Heap<{ at: number; item: T }>((a, b) => a.at - b.at);
  /** True while anything is in the list: a field, read on every dispatch. */
  pending = false;

  add(at: number, item: T): void {
    this.#heap.push({ at, item });
    this.pending = true;
  }

  /** When the earliest item is due; undefined when there is none. */
  firstAt(): number | undefined {
    return this.#heap.peek()?.at;
  }

  /** Takes out every item due at `now`, earliest first, and calls `due` for each. */
  takeDue(now: number, due: (item: T, at: number) => void): void {
    const heap = this.#heap;
    while (heap.size() > 0 && (heap.peek() as { at: number }).at <= now) {
      const { at, item } = heap.pop() as { at: number; item: T };
      due(item, at);
    }
    this.pending = heap.size() > 0;
  }
}
