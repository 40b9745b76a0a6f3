/**
 * The slots that running entries hold: each its weight, but never more than the whole limit
 * (an entry heavier than the limit runs alone and holds all of it). Counted against the limit
 * in force when asked, so that a limit raised or lowered while heavy entries run is applied
 * to them too. O(1) while every entry weighs 1; O(distinct heavy weights) otherwise.
 */
export class HeldSlots {
  /** Running entries. */
  count = 0;
  /** The sum of their weights. */
  #weights = 0;
  /** The running entries heavier than 1, by weight: only they can exceed a limit. */
  #heavy: Map<number, number> | undefined = undefined;

  add(weight: number): void {
    this.count++;
    this.#weights += weight;
    if (weight > 1) {
      const heavy = (this.#heavy ??= new Map());
      heavy.set(weight, (heavy.get(weight) ?? 0) + 1);
    }
  }

  remove(weight: number): void {
    this.count--;
    this.#weights -= weight;
    if (weight > 1) {
      const heavy = this.#heavy as Map<number, number>;
      const left = (heavy.get(weight) as number) - 1;
      if (left === 0) heavy.delete(weight);
      else heavy.set(weight, left);
    }
  }

  /** The slots held under `limit`: the sum of min(weight, limit). */
  under(limit: number): number {
    let held = this.#weights;
    const heavy = this.#heavy;
    if (heavy !== undefined && heavy.size > 0) {
      for (const [weight, count] of heavy) if (weight > limit) held -= (weight - limit) * count;
    }
    return held;
  }

  /** Whether an entry of `weight` fits under `limit` now: alone it always does. */
  fits(weight: number, limit: number): boolean {
    return this.count === 0 || this.under(limit) + Math.min(weight, limit) <= limit;
  }
}
