import {
  closeSync,
  createReadStream,
  fsyncSync,
  openSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';

/** What a results file already holds, read by {@link readJournal}. */
export interface JournalContents {
  /** Ids whose task succeeded. */
  succeeded: Set<string>;
  /** Ids whose last result is `failed` (and none `succeeded`). */
  failed: Set<string>;
  /** Complete lines read. */
  lines: number;
  /** Bytes of a torn last line (a crash mid-write) cut off the file; 0 when there was none. */
  tornBytes: number;
}

/** `{"id":"…","status":"…"`: the start of every result line the run writes (see result-lines.ts). */
const LINE_START = /^\{"id":("(?:[^"\\]|\\.)*"),"status":"(\w+)"/;

/**
 * Reads a `run` results file as the run's journal: which ids have succeeded or failed. A last
 * line without its newline is a write a crash cut short: it is ignored and cut off the file,
 * so appended lines start clean. A missing file is an empty journal. Streams the file and
 * keeps only the ids, so a million finished lines cost their id set, not the file.
 */
export async function readJournal(file: string): Promise<JournalContents> {
  const contents: JournalContents = {
    succeeded: new Set(),
    failed: new Set(),
    lines: 0,
    tornBytes: 0,
  };
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return contents;
    throw error;
  }
  let carry = '';
  let completeBytes = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const text = carry + (chunk as string);
    let start = 0;
    let newline: number;
    while ((newline = text.indexOf('\n', start)) !== -1) {
      const line = text.slice(start, newline);
      completeBytes += Buffer.byteLength(line) + 1;
      record(line, contents);
      start = newline + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') {
    contents.tornBytes = size - completeBytes;
    truncateSync(file, completeBytes);
  }
  return contents;
}

function record(line: string, contents: JournalContents): void {
  if (line.trim() === '') return;
  let id: string;
  let status: string;
  const match = LINE_START.exec(line);
  if (match) {
    id = JSON.parse(match[1]) as string;
    status = match[2];
  } else {
    // Not in the run's own shape (written by hand?): the whole line decides.
    try {
      const value = JSON.parse(line) as { id?: unknown; status?: unknown };
      if (typeof value.id !== 'string' || typeof value.status !== 'string') return;
      ({ id, status } = value as { id: string; status: string });
    } catch {
      return;
    }
  }
  contents.lines++;
  if (status === 'succeeded') {
    contents.succeeded.add(id);
    contents.failed.delete(id);
  } else if (status === 'failed' && !contents.succeeded.has(id)) {
    contents.failed.add(id);
  }
}

/**
 * Appends result lines to a file so that a line is in the OS's cache (written with one
 * `writeSync` per turn of the event loop) before the next turn starts: `kill -9` loses at
 * most the lines of the turn it lands in, which `--resume` runs again; an fsync every second
 * (and at close) bounds what a power cut can lose.
 */
export class JournalWriter {
  readonly #fd: number;
  #pending: string[] = [];
  #scheduled = false;
  readonly #syncTimer: NodeJS.Timeout;

  /** @param append Keep what the file holds (a resumed run); else start it empty. */
  constructor(file: string, append: boolean) {
    this.#fd = openSync(file, append ? 'a' : 'w');
    this.#syncTimer = setInterval(() => this.#sync(), 1_000);
    this.#syncTimer.unref();
  }

  /** Queues one line (with its newline); it is written at the end of this turn of the loop. */
  write(line: string): void {
    this.#pending.push(line);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Once per turn of the event loop (its check phase), for every result of that turn.
    setImmediate(() => this.flush());
  }

  /** Writes what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    writeSync(this.#fd, text);
  }

  #sync(): void {
    this.flush();
    fsyncSync(this.#fd);
  }

  /** Writes what is left, syncs it to disk and closes the file. */
  close(): void {
    clearInterval(this.#syncTimer);
    this.#sync();
    closeSync(this.#fd);
  }
}
