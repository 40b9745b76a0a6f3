import { Subscription, type Observer } from 'rxjs';

/** What a {@link LinkedObserver} forwards. */
export interface LinkedHandlers<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * An Observer that is also a Subscription added to a parent one: the public-API counterpart
 * of RxJS's internal OperatorSubscriber.
 *
 * `Observable.subscribe` uses an object that is both as the subscriber itself, so a
 * synchronous source (`from(array)`, `range`, an iterable) sees `closed` turn true the moment
 * the downstream unsubscribes and stops at once, instead of running to its end before
 * `subscribe` returns a Subscription anyone could close.
 * @internal
 */
export class LinkedObserver<T> extends Subscription implements Observer<T> {
  constructor(
    parent: Subscription,
    private readonly handlers: LinkedHandlers<T>,
    /**
     * Run this subscription's teardown before `complete` is forwarded: a finished inner is
     * finalized before the merge subscribes the next one, as in `mergeMap`.
     */
    private readonly finalizeBeforeComplete = false,
  ) {
    super();
    parent.add(this);
  }

  next(value: T): void {
    if (!this.closed) this.handlers.next(value);
  }

  error(error: unknown): void {
    if (this.closed) return;
    try {
      this.handlers.error(error);
    } finally {
      this.unsubscribe();
    }
  }

  complete(): void {
    if (this.closed) return;
    if (this.finalizeBeforeComplete) {
      this.unsubscribe();
      this.handlers.complete();
      return;
    }
    try {
      this.handlers.complete();
    } finally {
      this.unsubscribe();
    }
  }
}
