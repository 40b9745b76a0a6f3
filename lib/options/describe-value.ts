/**
 * `` `value` (type) `` for option error messages, following one template everywhere:
 * ``Expected `timeoutMs` to be a number above 0, got `-1` (number)``.
 *
 * ## Example
 * ```ts
 * import { describeValue } from 'rxjs-worker-pool';
 * throw new TypeError(`Expected \`queue\` to be a string, got ${describeValue(42)}`);
 * // Expected `queue` to be a string, got `42` (number)
 * ```
 */
export function describeValue(value: unknown): string {
  return `\`${asText(value, false)}\` (${typeOf(value)})`;
}

/**
 * A value as a config problem shows it, with the same rendering as {@link describeValue}:
 * strings quoted, structures as short JSON (`got "fast"`, `got {"a":1}`).
 * @internal
 */
export function showValue(value: unknown): string {
  return asText(value, true);
}

/** JSON type of a value, as a message names it: `null` and `array` apart from `object`. */
export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Longer renderings are cut: a message quoting a whole structure is not read. */
const MAX_SHOWN = 60;

/** The one rendering of a value in messages: JSON where JSON can say it, then String(). */
function asText(value: unknown, quoteStrings: boolean): string {
  if (typeof value === 'function') return '[function]';
  if (value === undefined) return 'undefined';
  // JSON would show NaN and the infinities as `null`.
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  let shown: string;
  if (typeof value === 'string' && !quoteStrings) shown = value;
  else {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
  }
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN - 3)}...` : shown;
}
