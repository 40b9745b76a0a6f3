import { Observable, type Subscriber } from 'rxjs';

/** The mask of a subscriber that takes every value: all 32 bits (-1 stays a small integer). */
export const ALL_KINDS = -1;

interface Subscription<T> {
  readonly subscriber: Subscriber<T>;
  /** The kinds of value it takes, one bit each (see {@link HotStream.next}). */
  readonly mask: number;
}

/**
 * A hot, completable multicast for the pool's `results$` and `events$`: what they need of a
 * `Subject` (`next`, `complete`, `observed`, `asObservable`), without its per-value cost.
 * RxJS's CommonJS `Subject.next` copies and iterates its observers through an allocated
 * iterator inside an error context: ~40 ns a value against ~2 ns for a direct call, and the
 * pool emits three events per task. Subscribers are RxJS's own (safe) subscribers, so a
 * throwing observer is reported by RxJS as with a Subject and never reaches the engine.
 *
 * Values may have kinds (up to 32, one bit each): a subscriber made by {@link ofKinds} takes
 * only some, and {@link wants} tells the producer whether anyone takes a kind at all, so it
 * builds no value for nobody.
 * @internal
 */
export class HotStream<T> {
  #subscriptions: Subscription<T>[] = [];
  /** The union of the subscribers' masks. */
  #wanted = 0;
  #completed = false;
  readonly #all = this.ofKinds(ALL_KINDS);

  /** True while someone is subscribed (the pool builds nothing for nobody). */
  get observed(): boolean {
    return this.#wanted !== 0;
  }

  /** True while some subscriber takes values of this kind. */
  wants(kind: number): boolean {
    return (this.#wanted & kind) !== 0;
  }

  /** Delivers `value` to every subscriber that takes its `kind` (one bit; all by default). */
  next(value: T, kind: number = ALL_KINDS): void {
    const subscriptions = this.#subscriptions;
    for (let i = 0; i < subscriptions.length; i++) {
      const { subscriber, mask } = subscriptions[i];
      if ((mask & kind) !== 0) subscriber.next(value);
    }
  }

  complete(): void {
    if (this.#completed) return;
    this.#completed = true;
    const subscriptions = this.#subscriptions;
    this.#subscriptions = [];
    this.#wanted = 0;
    for (const { subscriber } of subscriptions) subscriber.complete();
  }

  asObservable(): Observable<T> {
    return this.#all;
  }

  /** The values of some kinds only (`mask`: their bits). */
  ofKinds(mask: number): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.#completed) {
        subscriber.complete();
        return;
      }
      const entry: Subscription<T> = { subscriber, mask };
      // Copy on write: a subscriber added or removed during next() does not disturb the loop.
      this.#subscriptions = [...this.#subscriptions, entry];
      this.#wanted |= mask;
      return () => {
        this.#subscriptions = this.#subscriptions.filter((other) => other !== entry);
        this.#wanted = this.#subscriptions.reduce((union, other) => union | other.mask, 0);
      };
    });
  }
}
