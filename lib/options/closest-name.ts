import { distance } from 'fastest-levenshtein';

/** Names longer than this get no suggestion: no option name is near one, and comparing costs. */
const MAX_SUGGESTED_LENGTH = 64;

/**
 * The candidate most likely meant by a mistyped `word`, if any: one that shares a stem of at
 * least four characters with it (`retries` → `retry`), else the nearest by edit distance (a
 * third of the word may be wrong, at least 2 edits, so short keys still get suggestions).
 *
 * Integrations use it for their own "unknown option" messages, so that every part of the
 * library suggests names the same way.
 *
 * ## Example
 * ```ts
 * import { closestName } from 'rxjs-worker-pool';
 * closestName('timout', ['timeoutMs', 'retry', 'concurrency']); // 'timeoutMs'
 * closestName('zzz', ['timeoutMs', 'retry']); // undefined
 * ```
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined;
  const lower = word.toLowerCase();
  const allowed = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestStem = 0;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    // The distance is at least the difference in length: most candidates end here.
    const stem = commonPrefix(lower, other);
    if (stem < 4 && Math.abs(other.length - lower.length) > allowed) continue;
    const d = distance(lower, other);
    if (stem < 4 && d > allowed) continue;
    const stemScore = stem >= 4 ? stem : 0;
    if (stemScore > bestStem || (stemScore === bestStem && d < bestDistance)) {
      best = candidate;
      bestStem = stemScore;
      bestDistance = d;
    }
  }
  return best;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * The one wording for a name nothing knows, shared by the config, the environment, the pool's
 * options and every integration's: `unknown key (did you mean backoff?)`. `noun` names what
 * `name` is (`'environment variable'`); `prefix` is put before the suggestion (a path such as
 * `retry.`, or `WORKER_POOL_`).
 *
 * ## Example
 * ```ts
 * import { unknownNameMessage } from 'rxjs-worker-pool';
 * unknownNameMessage('timout', ['timeoutMs', 'retry']); // 'unknown key (did you mean timeoutMs?)'
 * unknownNameMessage('zzz', ['timeoutMs', 'retry']); // 'unknown key'
 * ```
 */
export function unknownNameMessage(
  name: string,
  known: Iterable<string>,
  { noun = 'key', prefix = '' }: { noun?: string; prefix?: string } = {},
): string {
  const suggestion = closestName(name, known);
  return `unknown ${noun}${suggestion === undefined ? '' : ` (did you mean ${prefix}${suggestion}?)`}`;
}
