/** Below this capacity a deque never shrinks: small buffers are not worth reallocating. */
const MIN_SHRINK_CAPACITY = 64;

/**
 * A double-ended queue on a power-of-two ring buffer: O(1) push, shift, unshift and pop.
 * `Array.prototype.shift` is O(n) on large arrays, which makes a big FIFO backlog quadratic.
 * The buffer halves when it is three quarters empty (amortized O(1)), so a burst of a million
 * queued tasks leaves no million-slot array behind once they are gone.
 */
export class RingDeque<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #mask: number;

  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity <<= 1;
    this.#items = new Array<T | undefined>(capacity);
    this.#mask = capacity - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Slots the buffer holds now (a power of two, at least 4). */
  get capacity(): number {
    return this.#items.length;
  }

  /** Adds at the back. */
  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Adds at the front. */
  unshift(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#items[this.#head] = item;
    this.#size++;
  }

  /** Removes from the front. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let it be collected
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    this.#shrinkIfSparse();
    return item;
  }

  /** Removes from the back. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const index = (this.#head + this.#size - 1) & this.#mask;
    const item = this.#items[index];
    this.#items[index] = undefined;
    this.#size--;
    this.#shrinkIfSparse();
    return item;
  }

  /** The front item, not removed. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** The back item, not removed. */
  peekLast(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[(this.#head + this.#size - 1) & this.#mask];
  }

  /** Keeps only the items for which `keep` is true, in order; O(n). */
  filter(keep: (item: T) => boolean): void {
    const items: T[] = [];
    for (let i = 0; i < this.#size; i++) {
      const item = this.#items[(this.#head + i) & this.#mask] as T;
      if (keep(item)) items.push(item);
    }
    // Sized for what is kept, not for what was there.
    const kept = new RingDeque<T>(items.length);
    for (const item of items) kept.push(item);
    this.#items = kept.#items;
    this.#head = kept.#head;
    this.#size = kept.#size;
    this.#mask = kept.#mask;
  }

  /** The first item, front to back, for which `match` is true (O(n)). */
  find(match: (item: T) => boolean): T | undefined {
    for (let i = 0; i < this.#size; i++) {
      const item = this.#items[(this.#head + i) & this.#mask] as T;
      if (match(item)) return item;
    }
    return undefined;
  }

  /** Removes and returns every item, front to back. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#size > 0) out.push(this.shift() as T);
    return out;
  }

  #grow(): void {
    this.#resize(this.#items.length * 2);
  }

  #shrinkIfSparse(): void {
    const capacity = this.#items.length;
    if (capacity > MIN_SHRINK_CAPACITY && this.#size < capacity >> 2) this.#resize(capacity >> 1);
  }

  #resize(capacity: number): void {
    const old = this.#items;
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#items = next;
    this.#head = 0;
    this.#mask = next.length - 1;
  }
}
