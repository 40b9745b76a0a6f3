import { PRIORITY_LEVELS } from '../task/priority';
import type { Group } from './key-group';
import type { ChannelEntry } from './scheduler';

/**
 * Per priority level, a ring of the groups that may start something, in turn order: O(1) to
 * join (at the back), leave, and move on. The ring moves past a group at the next question
 * after its turn, not at once, so a group that arrives meanwhile goes before its next turn.
 */
export class TurnRings<E extends ChannelEntry> {
  /** The first group of each level's ring. */
  readonly #heads: (Group<E> | undefined)[] = [undefined, undefined, undefined, undefined];
  /** The head of the level's ring has just had its turn: the next question moves past it. */
  readonly #served = [false, false, false, false];
  /**
   * The group that had the level's last turn: if it left the ring (it had nothing more) and
   * comes back at once, it still goes after the others.
   */
  readonly #lastServed: (Group<E> | undefined)[] = [undefined, undefined, undefined, undefined];

  /** The group whose turn it is at a level (moving past the one just served). */
  next(level: number): Group<E> | undefined {
    const head = this.#heads[level];
    if (head !== undefined && this.#served[level]) {
      this.#served[level] = false;
      return (this.#heads[level] = head.next[level]);
    }
    return head;
  }

  /** The group whose turn is furthest away at a level. */
  last(level: number): Group<E> | undefined {
    return this.#heads[level]?.prev[level];
  }

  /** `group` had its turn at `level`; it stays in the ring only if it has more there. */
  served(group: Group<E>, level: number, more: boolean): void {
    this.#lastServed[level] = group;
    if (more) this.#served[level] = true;
    else this.unlink(group, level);
  }

  /** Joins a level's ring at the back: it takes its turn after the groups already there. */
  link(group: Group<E>, level: number): void {
    const bit = 1 << level;
    if ((group.linked & bit) !== 0) return;
    group.linked |= bit;
    const head = this.#heads[level];
    if (head === undefined) {
      this.#heads[level] = group;
      group.prev[level] = group.next[level] = group;
      // Back right after its turn: it counts as just served (the next group to come goes first).
      this.#served[level] = this.#lastServed[level] === group;
      return;
    }
    const tail = head.prev[level] as Group<E>;
    tail.next[level] = group;
    group.prev[level] = tail;
    group.next[level] = head;
    head.prev[level] = group;
  }

  unlink(group: Group<E>, level: number): void {
    const bit = 1 << level;
    if ((group.linked & bit) === 0) return;
    group.linked &= ~bit;
    const next = group.next[level] as Group<E>;
    if (next === group) {
      this.#heads[level] = undefined;
      this.#served[level] = false;
    } else {
      const prev = group.prev[level] as Group<E>;
      prev.next[level] = next;
      next.prev[level] = prev;
      if (this.#heads[level] === group) {
        this.#heads[level] = next;
        this.#served[level] = false;
      }
    }
    group.prev[level] = group.next[level] = undefined;
  }

  unlinkAll(group: Group<E>): void {
    for (let level = 0; level < PRIORITY_LEVELS; level++) this.unlink(group, level);
  }
}
