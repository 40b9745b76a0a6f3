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
  let shown: string;
  try {
    // JSON would show NaN and the infinities as `null`.
    shown =
      typeof value === 'string' || typeof value === 'number'
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}
