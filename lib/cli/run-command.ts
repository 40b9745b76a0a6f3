import { accessSync, constants, createReadStream, createWriteStream, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Subscription } from 'rxjs';
import { DuplicateTaskIdError, WorkerPool, onSignals, type PoolConfig } from '../index';
import {
  freeGeneratedId,
  hasGeneratedShape,
  parseLine,
  reservedIds,
  type InputTask,
} from './jsonl';
import { haltReached, type HaltPolicy } from './halt-policy';
import { remainingLine, resultLine } from './result-lines';
import { JournalWriter, readJournal } from './journal';
import { reportStrayErrors } from './stray-errors';
import { ProgressWriter, type ProgressState } from './progress';
import { RunReport } from './run-report';
import { UsageError } from './usage-error';
import { buildPool, type PoolFlags } from './build-pool';

export interface RunFlags extends PoolFlags {
  input: string;
  output?: string;
  remaining?: string;
  report?: string;
  /** Skip the ids `--output` already holds as succeeded (or failed), append the rest. */
  resume?: boolean;
  /** With `--resume`: run again the ids that failed. */
  retryFailed?: boolean;
  /** `fail=N` or `fail=P%`: stop dispatching once that many tasks failed. */
  haltOn?: HaltPolicy;
}

/** Where a command reads and writes: the process's streams, replaceable in specs. */
export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: Writable;
  stderr: NodeJS.WriteStream;
}

/** Tasks kept queued at most while reading: the input streams in, a 1M-line file never loads. */
const QUEUE_HIGH_WATER = 1_000;

function checkReadable(file: string, flag: string): void {
  try {
    accessSync(file, constants.R_OK);
    if (!statSync(file).isFile()) throw Object.assign(new Error(), { code: 'not a file' });
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read ${file} (${(error as { code?: string }).code ?? 'error'})`,
    );
  }
}

function checkWritable(file: string, flag: string): void {
  const dir = dirname(resolve(file));
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot write into ${dir} (${(error as { code?: string }).code ?? 'error'})`,
    );
  }
}

/** The generated-shape ids a file's lines name (see reservedIds), read once before the run. */
async function scanReservedIds(file: string): Promise<Set<string>> {
  const reserved = new Set<string>();
  // Chunks, not lines (a third of readline's time on a million lines); a line cut by a
  // chunk's end is carried into the next.
  let carry = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const text = carry + (chunk as string);
    const end = text.lastIndexOf('\n') + 1;
    if (text.includes('"line-')) reservedIds(text.slice(0, end), reserved);
    carry = text.slice(end);
  }
  if (carry.includes('"line-')) reservedIds(carry, reserved);
  return reserved;
}

/** The pool settings the report's summary shows. */
function reportedSettings(
  config: PoolConfig,
  flags: RunFlags,
  concurrency: number,
): Record<string, string> {
  const { retry, queue, shutdown } = config;
  const backoff = retry.backoff;
  return {
    handler: flags.handler + (flags.threads ? ' (on worker threads)' : ''),
    concurrency: String(concurrency),
    timeoutMs: config.timeoutMs === undefined ? 'none' : String(config.timeoutMs),
    'retry.maxAttempts': String(retry.maxAttempts),
    'retry.backoff': `${backoff.strategy}, ${backoff.initialMs}–${backoff.maxMs} ms`,
    'queue.capacity': queue.capacity === undefined ? 'unbounded' : String(queue.capacity),
    'shutdown.timeoutMs': String(shutdown.timeoutMs),
    ...(flags.haltOn ? { 'halt-on': flags.haltOn.text } : {}),
    ...(flags.batch === undefined
      ? {}
      : { batch: `up to ${flags.batch} items a call, waiting up to ${flags.batchWait ?? 0} ms` }),
  };
}

/**
 * `run`: streams the input's tasks through the pool, writes results as they arrive, shows
 * progress, and on SIGINT/SIGTERM shuts down and writes what did not end to `--remaining`.
 * Resolves with the exit code.
 */
export async function runCommand(
  flags: RunFlags,
  io: CommandIo,
  argv: readonly string[],
): Promise<number> {
  const startedAt = Date.now();
  // Files are checked before anything runs: a typo must not cost a run's work.
  if (flags.input !== '-') checkReadable(flags.input, '--input');
  for (const [flag, file] of [
    ['--output', flags.output],
    ['--remaining', flags.remaining],
    ['--report', flags.report],
  ] as const) {
    if (file !== undefined && file !== '-') checkWritable(file, flag);
  }
  const toFile = flags.output !== undefined && flags.output !== '-';
  if ((flags.resume || flags.retryFailed) && !toFile) {
    throw new UsageError(
      `--${flags.resume ? 'resume' : 'retry-failed'} needs --output FILE: that file is the run's journal`,
    );
  }
  if (flags.retryFailed && !flags.resume) {
    throw new UsageError('--retry-failed goes with --resume');
  }
  // The journal of an earlier run of the same command: what it already finished.
  const journal = flags.resume ? await readJournal(flags.output as string) : undefined;
  if (journal !== undefined && journal.tornBytes > 0 && !flags.quiet) {
    io.stderr.write(
      `resume: cut a torn last line (${journal.tornBytes} bytes) off ${flags.output}\n`,
    );
  }
  const { pool, config, tracing } = await buildPool(flags, 'run');
  // A file gets every line before the turn that produced it ends (kill -9 loses none).
  const journalOut = toFile
    ? new JournalWriter(flags.output as string, flags.resume === true)
    : undefined;
  const out = io.stdout;
  const input = flags.input === '-' ? io.stdin : createReadStream(flags.input);
  const fromStdin = flags.input === '-';
  const progress = await ProgressWriter.create(io.stderr, Boolean(io.stderr.isTTY));
  // With a file, the share of its bytes read gives the total before the end is reached.
  const bytesTotal = fromStdin ? undefined : statSync(flags.input).size;
  const report = flags.report ? new RunReport(startedAt) : undefined;

  const state: ProgressState & { read: number } = {
    done: 0,
    failed: 0,
    total: undefined,
    read: 0,
    elapsedMs: 0,
  };
  const counts = { succeeded: 0, failed: 0, cancelled: 0, badLines: 0, accepted: 0, skipped: 0 };
  // Ids whose last result is a failure, over the journal and this run: the exit code's basis.
  const failedIds = new Set(journal?.failed);
  // Ids the journal finished: the resumed run skips them (failed ones too, unless retried).
  const finished = (id: string): boolean =>
    journal !== undefined &&
    (journal.succeeded.has(id) || (!flags.retryFailed && journal.failed.has(id)));
  const submitted = new Map<string, InputTask>();
  // Ids this run generated, by the line they were generated for, and ids lines gave. A
  // generated id avoids both; a given id may run again once its task ended, as in the pool,
  // but never takes a generated one.
  const generatedIds = new Map<string, number>();
  const givenIds = new Set<string>();
  const used = (id: string): boolean => generatedIds.has(id) || givenIds.has(id);
  // Ids of the generated shape that the file's lines name: a line without an id avoids them.
  const reserved = fromStdin ? new Set<string>() : await scanReservedIds(flags.input);
  const remaining: InputTask[] = [];
  let interrupted: NodeJS.Signals | undefined;
  /** Set when --halt-on stopped the run. */
  let halted: string | undefined;
  let shutdown: ReturnType<WorkerPool<unknown, unknown>['shutdown']> | undefined;
  let outputBlocked: Promise<void> | undefined;

  const subscriptions: Subscription[] = [];
  subscriptions.push(
    pool.results$.subscribe((result) => {
      const task = submitted.get(result.task.id);
      submitted.delete(result.task.id);
      if (result.status === 'succeeded' || result.status === 'failed') {
        state.done++;
        if (result.status === 'succeeded') {
          counts.succeeded++;
          failedIds.delete(result.task.id);
        } else {
          counts.failed++;
          state.failed++;
          failedIds.add(result.task.id);
          if (flags.haltOn !== undefined && halted === undefined) {
            const ended = counts.succeeded + counts.failed;
            if (haltReached(flags.haltOn, counts.failed, ended)) halt();
          }
        }
        report?.record(result, Date.now());
        if (journalOut !== undefined) journalOut.write(`${resultLine(result)}\n`);
        else if (!out.write(`${resultLine(result)}\n`)) {
          outputBlocked ??= new Promise((resolve) =>
            out.once('drain', () => {
              outputBlocked = undefined;
              resolve();
            }),
          );
        }
      } else {
        // Cancelled by the shutdown (or refused by a full queue): it did not run to an end.
        counts.cancelled++;
        if (task !== undefined) remaining.push(task);
      }
    }),
  );
  const tick = (): void => {
    state.elapsedMs = Date.now() - startedAt;
    if (bytesTotal !== undefined) {
      state.bytesTotal = bytesTotal;
      state.bytesRead = (input as { bytesRead?: number }).bytesRead;
    }
    if (!flags.quiet) progress.update(state, pool.metrics());
  };
  // metrics$ samples process CPU and ticks the progress (every metrics.intervalMs, 1 s default).
  subscriptions.push(pool.metrics$.subscribe(() => tick()));
  // The report's time series, four points a second (the CPU reading is the latest sample).
  const sample = (): void => report?.add(pool.metrics(), Date.now());
  const sampler = report ? setInterval(sample, 250) : undefined;
  sample();

  const lines = createInterface({ input, crlfDelay: Infinity });
  /** Stops dispatching: what waits goes to --remaining now; only running tasks get the deadline. */
  const stop = (): void => {
    pool.clear();
    shutdown = pool.shutdown({ timeoutMs: config.shutdown.timeoutMs });
    // A pipe may never end: stop reading it. A file's unread lines go to --remaining.
    if (fromStdin) lines.close();
  };
  const halt = (): void => {
    halted = `${counts.failed} tasks failed (--halt-on ${flags.haltOn?.text})`;
    report?.mark(`halt: ${halted}`, Date.now());
    if (!flags.quiet)
      progress.note(`halting: ${halted}; running tasks get ${config.shutdown.timeoutMs} ms`);
    stop();
  };
  const stopListening = onSignals({
    first: (signal) => {
      interrupted = signal;
      report?.mark(signal, Date.now());
      if (!flags.quiet)
        progress.note(
          `${signal}: stopping; running tasks get ${config.shutdown.timeoutMs} ms (again to force)`,
        );
      if (halted === undefined) stop();
    },
    again: (signal) => {
      if (!flags.quiet) progress.note(`${signal} again: forcing`);
      void pool.shutdown({ force: true });
    },
  });
  // Which tasks ran when a stray error came: an AsyncLocalStorage per call would name the
  // exact one, but costs ~6 % of a 1M-task run on Node 20 (promise hooks).
  const stopReportingStrays = reportStrayErrors(
    (line) => io.stderr.write(line),
    () => [...submitted.keys()].filter((id) => pool.taskState(id) === 'running'),
  );

  const stopped = (): boolean => interrupted !== undefined || halted !== undefined;
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    const parsed = parseLine(text, lineNumber);
    if (parsed.kind === 'blank') continue;
    if (parsed.kind === 'bad') {
      counts.badLines++;
      io.stderr.write(`line ${lineNumber}: ${parsed.reason}\n`);
      continue;
    }
    const task = parsed.task;
    if (task.generated) {
      task.id = freeGeneratedId(task.id, (id) => used(id) || reserved.has(id));
    } else {
      // A bad line, not a read task: it never runs.
      const generatedFor = generatedIds.get(task.id);
      const refusal =
        generatedFor !== undefined
          ? `is the id given to line ${generatedFor}, which has none; give this task another id`
          : submitted.has(task.id) || pool.taskState(task.id) !== undefined
            ? 'is already in use by a task of this run'
            : undefined;
      if (refusal !== undefined) {
        counts.badLines++;
        io.stderr.write(`line ${lineNumber}: id ${JSON.stringify(task.id)} ${refusal}\n`);
        continue;
      }
    }
    state.read++;
    if (!stopped() && pool.size >= QUEUE_HIGH_WATER) {
      await pool.onSizeLessThan(QUEUE_HIGH_WATER / 2);
    }
    if (!stopped() && outputBlocked !== undefined) await outputBlocked;
    if (task.generated) generatedIds.set(task.id, lineNumber);
    // Only given ids a generated one could collide with are kept (a million others are not).
    else if (hasGeneratedShape(task.id)) givenIds.add(task.id);
    if (finished(task.id)) {
      // Already in the journal: resumed runs skip it.
      counts.skipped++;
      state.read--;
      continue;
    }
    if (stopped()) {
      remaining.push(task);
      continue;
    }
    submitted.set(task.id, task);
    counts.accepted++;
    const { id, priority, key, weight } = task;
    const outcome = pool.submit(task.input, { id, priority, key, weight });
    // Neither live nor ended (an ended task has left `submitted`): refused before acceptance,
    // say a weight above the pool's ceiling. A bad line, then, not a lost task.
    const refused = pool.taskState(id) === undefined && submitted.has(id);
    if (refused) {
      submitted.delete(id);
      counts.accepted--;
      counts.badLines++;
    }
    outcome.catch((error: unknown) => {
      // Results carry outcomes; only a refusal before acceptance needs a word here.
      if (refused || error instanceof DuplicateTaskIdError) {
        io.stderr.write(`line ${lineNumber}: ${(error as Error).message}\n`);
      }
    });
  }
  state.total = state.read;

  if (!stopped()) {
    await pool.onIdle();
    shutdown = pool.shutdown();
  }
  const shutdownReport = await (shutdown as NonNullable<typeof shutdown>);
  stopListening();
  stopReportingStrays();
  for (const subscription of subscriptions) subscription.unsubscribe();
  clearInterval(sampler);
  sample();
  tick();
  progress.finish();

  // Always written, empty when nothing remains: never a stale file from an earlier run.
  if (flags.remaining !== undefined) {
    const file = createWriteStream(flags.remaining);
    for (const task of remaining) file.write(`${remainingLine(task)}\n`);
    await new Promise<void>((resolve, reject) =>
      file.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  journalOut?.close();
  // Every span exported before the process exits.
  await tracing?.shutdown();

  // The whole journal counts: an id that failed in an earlier run and was skipped still fails.
  const exitCode =
    interrupted !== undefined
      ? 128 + osConstants.signals[interrupted]
      : failedIds.size > 0 || halted !== undefined
        ? 1
        : 0;
  const metrics = pool.metrics();
  if (!flags.quiet) {
    io.stderr.write(
      `done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${counts.succeeded} succeeded, ${counts.failed} failed` +
        `, ${remaining.length} not run${flags.remaining && remaining.length > 0 ? ` (in ${flags.remaining})` : ''}` +
        `, ${counts.badLines} bad lines, ${metrics.retries} retries, ${metrics.timeouts} timeouts` +
        (journal !== undefined ? `, ${counts.skipped} already in ${flags.output}` : '') +
        (halted !== undefined ? `; halted: ${halted}` : '') +
        (shutdownReport.timedOut ? '; the shutdown deadline cut work off' : '') +
        '\n',
    );
  }
  if (toFile && !flags.quiet) io.stderr.write(`results: ${flags.output}\n`);
  if (remaining.length > 0 && flags.remaining === undefined && !flags.quiet) {
    io.stderr.write(`${remaining.length} tasks did not run; pass --remaining FILE to keep them\n`);
  }
  if (report && flags.report) {
    report.write(flags.report, {
      command: ['rxjs-worker-pool', ...argv].join(' '),
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      exitCode,
      read: state.read,
      badLines: counts.badLines,
      succeeded: counts.succeeded,
      failed: counts.failed,
      cancelled: counts.cancelled,
      retries: metrics.retries,
      timeouts: metrics.timeouts,
      remaining: remaining.length,
      interrupted,
      settings: reportedSettings(config, flags, pool.metrics().concurrency),
    });
    if (!flags.quiet) io.stderr.write(`report: ${flags.report}\n`);
  }
  return exitCode;
}
