import { formatMetrics } from '../index';
import type { PoolMetrics } from '../index';

/** What the progress line needs besides the pool's metrics. */
export interface ProgressState {
  done: number;
  failed: number;
  /** Known once the input has been read to its end. */
  total: number | undefined;
  /** Tasks read from the input; none for a queue (`worker`), which has no input to read. */
  read?: number;
  elapsedMs: number;
  /** With file input: bytes of the file read so far, and its size (the total before the end). */
  bytesRead?: number;
  bytesTotal?: number;
}

/** The window the rate is measured over: recent, not a lifetime average. */
export const RATE_WINDOW_MS = 10_000;

/** Tasks done per second over the last {@link RATE_WINDOW_MS}, from the samples it is given. */
export class RecentRate {
  /** From the run's start: the first reading already has a span to divide by. */
  readonly #samples: { at: number; done: number }[] = [{ at: 0, done: 0 }];

  /** Records `done` at `at` (ms) and returns the rate over the window ending there. */
  sample(at: number, done: number): number {
    const samples = this.#samples;
    samples.push({ at, done });
    while (samples.length > 2 && at - samples[1].at >= RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const span = at - first.at;
    return span > 0 ? ((done - first.done) * 1000) / span : 0;
  }
}

/**
 * The number of tasks the input will have: known at its end; before that, from a file, the
 * tasks read so far scaled by the share of its bytes read (so the bar and ETA move from the
 * start); from a pipe, unknown.
 */
export function estimatedTotal(state: ProgressState): number | undefined {
  if (state.total !== undefined) return state.total;
  const { bytesRead, bytesTotal } = state;
  const read = state.read ?? 0;
  if (bytesRead === undefined || bytesTotal === undefined || bytesRead <= 0) return undefined;
  if (bytesRead >= bytesTotal) return undefined;
  return Math.max(read, Math.round((read * bytesTotal) / bytesRead));
}

/** `done/total`, the recent rate, ETA, failures and the concurrency in force, on one line. */
export function progressLine(state: ProgressState, metrics: PoolMetrics, rate: number): string {
  const total = estimatedTotal(state);
  // A queue has no end to show: no bar, no "of".
  const queue = state.read === undefined;
  const of =
    total !== undefined
      ? `/${state.total === undefined ? '~' : ''}${total}`
      : queue
        ? ' done'
        : ` (read ${state.read})`;
  let eta = '';
  if (total !== undefined && rate > 0) {
    eta = `  ETA ${Math.max(0, Math.ceil((total - state.done) / rate))} s`;
  }
  return (
    `${queue ? '' : `${bar(state.done, total)} `}${state.done}${of}  ${rate.toFixed(1)}/s${eta}` +
    `  failed ${state.failed}  concurrency ${metrics.concurrency}`
  );
}

function bar(done: number, total: number | undefined): string {
  const width = 20;
  if (total === undefined || total === 0) return `[${'·'.repeat(width)}]`;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}]`;
}

/** log-update's redraw, loaded on first use (an ES module). */
type LogUpdate = ((...text: string[]) => void) & { clear(): void; done(): void };

// A real import(): TypeScript's CommonJS output would turn `import()` into `require()`.
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ createLogUpdate(stream: NodeJS.WriteStream, options?: object): LogUpdate }>;

/**
 * Progress on stderr: on a TTY a block (the line plus `formatMetrics`) redrawn in place by
 * log-update (which wraps long lines to the terminal and erases exactly what it drew);
 * elsewhere one plain line per call. {@link note} prints a message without garbling the block.
 */
export class ProgressWriter {
  readonly #rate = new RecentRate();
  #redraw: LogUpdate | undefined;

  private constructor(private readonly stream: NodeJS.WriteStream) {}

  /** A writer for `stream`; on a TTY, with log-update loaded. */
  static async create(stream: NodeJS.WriteStream, tty: boolean): Promise<ProgressWriter> {
    const writer = new ProgressWriter(stream);
    if (tty) {
      const { createLogUpdate } = await importModule('log-update');
      // A terminal that reports no size (0 rows: `script`, some CI consoles) would make
      // log-update cut every line; a conventional 80x24 stands in for it.
      const sized = {
        write: (text: string) => stream.write(text),
        get rows() {
          return stream.rows || 24;
        },
        get columns() {
          return stream.columns || 80;
        },
      } as unknown as NodeJS.WriteStream;
      writer.#redraw = createLogUpdate(sized, { showCursor: true });
    }
    return writer;
  }

  update(state: ProgressState, metrics: PoolMetrics): void {
    const rate = this.#rate.sample(state.elapsedMs, state.done);
    const line = progressLine(state, metrics, rate);
    if (this.#redraw === undefined) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.#redraw(`${line}\n${formatMetrics(metrics)}`);
  }

  /** A message between redraws: the block is cleared, the message written, the block comes back. */
  note(message: string): void {
    if (this.#redraw === undefined) {
      this.stream.write(message.endsWith('\n') ? message : `${message}\n`);
      return;
    }
    this.#redraw.clear();
    this.stream.write(message.endsWith('\n') ? message : `${message}\n`);
  }

  /** Leaves the last block on screen; the next writes go below it. */
  finish(): void {
    this.#redraw?.done();
  }
}
