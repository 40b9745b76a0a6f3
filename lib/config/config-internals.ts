/* Helpers shared by validate.ts, env.ts and load-config.ts; not part of the public API. */

/** A deep copy of plain objects and arrays; anything else (functions too) is kept as is. */
export function cloneData(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(cloneData);
  if (isPlainObject(data)) {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) setOwn(copy, key, cloneData(value));
    return copy;
  }
  return data;
}

/**
 * `target[key] = value` as an own data property, whatever the key: assigning `__proto__` would
 * replace the object's prototype instead (and merging into it would pollute Object.prototype).
 * Such a key stays an ordinary key, which the schema then reports as unknown.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** `target[key]` if it is an own property (never one inherited from Object.prototype). */
export function getOwn(target: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
}

/** True for `{}`-like objects, the only kind a configuration is made of. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** How a value is shown in a message: strings quoted, structures as short JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return '[function]';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
}

/** JSON type of a value, as a message names it. */
export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `integer` → `an integer`. */
export function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The candidate closest to `word` by edit distance, if close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the word may be wrong (at least 2 edits), so short keys still get suggestions.
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}
