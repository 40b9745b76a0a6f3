/** `Symbol.for`: the mark must be seen by the copy of this module inside each worker thread. */
const TRANSFER = Symbol.for('rxjs-worker-pool.transfer');

/**
 * What can be moved to or from a thread.
 *
 * ## Example
 * ```ts
 * import { transfer, type Transferable } from 'rxjs-worker-pool/threads';
 * const frame: Transferable = new Float32Array(1024);
 * await pool.submit({ frame: transfer(frame) });
 * ```
 */
export type Transferable = ArrayBuffer | ArrayBufferView;

/**
 * Marks an ArrayBuffer or typed array to be moved to (or from) a worker thread instead of
 * copied, and returns it unchanged. In the parent: the task's input itself, or a direct member
 * of a plain object or array input. In a worker function: the returned value itself. A moved
 * buffer is detached on the sending side (its `byteLength` becomes 0); a typed array moves its
 * whole underlying buffer. A task whose input was moved is not retried (the next attempt would
 * have nothing to send).
 *
 * ## Example
 * ```ts
 * import { transfer } from 'rxjs-worker-pool/threads';
 * const pixels = new Uint8Array(16 * 1024 * 1024);
 * await pool.submit({ width: 2048, pixels: transfer(pixels) }); // moved, not copied
 * // in the worker file:
 * module.exports = ({ pixels }) => transfer(invert(pixels));
 * ```
 */
export function transfer<T extends Transferable>(value: T): T {
  if (!(value instanceof ArrayBuffer || ArrayBuffer.isView(value))) {
    throw new TypeError(
      `transfer() takes an ArrayBuffer or a typed array, got ${value === null ? 'null' : typeof value}`,
    );
  }
  if ((value as { [TRANSFER]?: boolean })[TRANSFER] !== true) {
    Object.defineProperty(value, TRANSFER, { value: true, configurable: true });
    marked++;
  }
  return value;
}

/** Marked values not yet sent: while 0 (no transfer() in use), inputs are not scanned. */
let marked = 0;

function isMarked(value: unknown): value is Transferable {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { [TRANSFER]?: boolean })[TRANSFER] === true
  );
}

/** The buffers to move with an input, per transfer()'s rule; undefined when none is marked. */
export function transferListOf(input: unknown): ArrayBuffer[] | undefined {
  if (marked === 0 || input === null || typeof input !== 'object') return undefined;
  const list: ArrayBuffer[] = [];
  const take = (value: unknown): void => {
    if (!isMarked(value)) return;
    const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
    // A SharedArrayBuffer is shared, never moved.
    if (buffer instanceof ArrayBuffer && !list.includes(buffer)) list.push(buffer);
    // Sent once: the mark is spent (and a detached buffer cannot be sent again).
    delete (value as { [TRANSFER]?: boolean })[TRANSFER];
    marked = Math.max(0, marked - 1);
  };
  if (isMarked(input)) take(input);
  else if (Array.isArray(input)) for (const member of input) take(member);
  else if (
    Object.getPrototypeOf(input) === Object.prototype ||
    Object.getPrototypeOf(input) === null
  ) {
    for (const key of Object.keys(input)) take((input as Record<string, unknown>)[key]);
  }
  return list.length > 0 ? list : undefined;
}
