import { formatMetrics } from '../metrics/format-metrics';
import type { PoolMetrics } from '../metrics/pool-metrics';

/** What the progress line needs besides the pool's metrics. */
export interface ProgressState {
  done: number;
  failed: number;
  /** Known once the input has been read to its end. */
  total: number | undefined;
  read: number;
  elapsedMs: number;
}

/** `done/total`, rate, ETA, failures and the concurrency in force, on one line. */
export function progressLine(state: ProgressState, metrics: PoolMetrics): string {
  const rate = state.elapsedMs > 0 ? (state.done * 1000) / state.elapsedMs : 0;
  const of = state.total === undefined ? ` (read ${state.read})` : `/${state.total}`;
  let eta = '';
  if (state.total !== undefined && rate > 0) {
    eta = `  ETA ${Math.max(0, Math.ceil((state.total - state.done) / rate))} s`;
  }
  return (
    `${bar(state)} ${state.done}${of}  ${rate.toFixed(1)}/s${eta}` +
    `  failed ${state.failed}  concurrency ${metrics.concurrency}`
  );
}

function bar(state: ProgressState): string {
  const width = 20;
  if (state.total === undefined || state.total === 0) return `[${'·'.repeat(width)}]`;
  const filled = Math.min(width, Math.round((state.done / state.total) * width));
  return `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}]`;
}

/**
 * Progress on stderr: on a TTY a block (the line plus `formatMetrics`) redrawn in place, with no
 * flicker (cursor up, clear to end); elsewhere one plain line per call.
 */
export class ProgressWriter {
  #drawnLines = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly tty: boolean,
  ) {}

  update(state: ProgressState, metrics: PoolMetrics): void {
    const line = progressLine(state, metrics);
    if (!this.tty) {
      this.stream.write(`${line}\n`);
      return;
    }
    const block = `${line}\n${formatMetrics(metrics)}\n`;
    const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A` : '';
    this.stream.write(`${up}\r\x1b[J${block}`);
    this.#drawnLines = block.split('\n').length - 1;
  }

  /** Leaves the last block on screen; the next writes go below it. */
  finish(): void {
    this.#drawnLines = 0;
  }
}
