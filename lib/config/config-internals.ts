/* Helpers shared by validate.ts, env.ts and load-config.ts; not part of the public API. */
import type { ConfigProblem } from '../errors/config-error';

/**
 * A deep copy of plain objects and arrays; anything else (functions too) is kept as is. A value
 * reached twice (a YAML alias) is copied once and shared, as in the source: copying each alias
 * apart turned a 0.76 MB file with 99 aliases of one list into ~900 MB. Callers check the shape
 * first ({@link shapeProblem}): the recursion is then at most {@link MAX_CONFIG_DEPTH} deep.
 */
export function cloneData(data: unknown, copies = new Map<object, unknown>()): unknown {
  if (!Array.isArray(data) && !isPlainObject(data)) return data;
  const known = copies.get(data);
  if (known !== undefined) return known;
  if (Array.isArray(data)) {
    const copy: unknown[] = new Array<unknown>(data.length);
    copies.set(data, copy);
    for (let i = 0; i < data.length; i++) copy[i] = cloneData(data[i], copies);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  copies.set(data, copy);
  for (const [key, value] of Object.entries(data)) setOwn(copy, key, cloneData(value, copies));
  return copy;
}

/**
 * How deep a configuration may nest. The schema's deepest option is four levels down; the
 * bound keeps every recursive walk (clone, merge, ajv) far from the stack's limit.
 */
export const MAX_CONFIG_DEPTH = 32;

/**
 * Why `data` cannot be a configuration at all (nested deeper than {@link MAX_CONFIG_DEPTH}, or
 * holding itself), before anything recursive touches it; `undefined` when its shape is fine.
 * Iterative, so a 100,000-deep file is a problem to report, not a stack overflow.
 */
export function shapeProblem(data: unknown): ConfigProblem | undefined {
  if (!isContainer(data)) return undefined;
  // Depth-first with an explicit stack; `onPath` holds the containers above the current one.
  // Paths are only spelled out for a problem, from the keys on the stack.
  const onPath = new Set<object>([data]);
  const done = new Set<object>();
  const stack: Frame[] = [frameOf(data, '')];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next === frame.size) {
      stack.pop();
      onPath.delete(frame.node);
      done.add(frame.node);
      continue;
    }
    const index = frame.next++;
    const key = frame.keys === undefined ? `[${index}]` : frame.keys[index];
    const child =
      frame.keys === undefined
        ? (frame.node as unknown[])[index]
        : getOwn(frame.node as Record<string, unknown>, key);
    if (!isContainer(child) || done.has(child)) continue;
    if (onPath.has(child)) {
      return {
        path: pathOf(stack, key),
        message: 'refers to itself (a cycle): a configuration is a tree',
      };
    }
    if (stack.length >= MAX_CONFIG_DEPTH) {
      return {
        path: pathOf(stack, key),
        message: `is nested more than ${MAX_CONFIG_DEPTH} levels deep; no option is`,
      };
    }
    onPath.add(child);
    stack.push(frameOf(child, key));
  }
  return undefined;
}

interface Frame {
  node: object;
  /** The key this node has in its parent (`[i]` in an array). */
  key: string;
  /** An object's own keys; `undefined` for an array. */
  keys: string[] | undefined;
  size: number;
  next: number;
}

function frameOf(node: unknown[] | Record<string, unknown>, key: string): Frame {
  const keys = Array.isArray(node) ? undefined : Object.keys(node);
  return {
    node,
    key,
    keys,
    size: keys === undefined ? (node as unknown[]).length : keys.length,
    next: 0,
  };
}

function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  return Array.isArray(value) || isPlainObject(value);
}

/** The dotted path of `key` under the frames on the stack, as a message shows it. */
function pathOf(stack: readonly Frame[], key: string): string {
  let path = '';
  for (const segment of [...stack.slice(1).map((frame) => frame.key), key]) {
    path += segment.startsWith('[') || path === '' ? segment : `.${segment}`;
    if (path.length > 80) return `${path.slice(0, 77)}...`;
  }
  return path;
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

/** `integer` → `an integer`. */
export function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
