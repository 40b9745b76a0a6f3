import type { Task } from '../task/task';

/**
 * How one `onShutdown` cleanup callback ended.
 *
 * ## Example
 * ```ts
 * import type { CleanupOutcome } from 'rxjs-worker-pool';
 * pool.onShutdown(async function closeDb() {
 *   await db.close();
 * });
 * const { cleanup } = await pool.shutdown();
 * const failed: CleanupOutcome[] = cleanup.filter((outcome) => outcome.status !== 'ok');
 * console.log(cleanup.map(({ index, name, status }) => `${index} ${name} ${status}`), failed);
 * // Output: [ '0 closeDb ok' ] []
 * ```
 */
export interface CleanupOutcome {
  /** Registration order, from 0. Callbacks run last registered first. */
  index: number;
  /** The function's name, when it has one. */
  name: string;
  /** `forced`: still running when `shutdown({ force: true })` stopped waiting for it. */
  status: 'ok' | 'failed' | 'timed-out' | 'forced';
  error?: Error;
  durationMs: number;
}

/**
 * What `shutdown()` resolves with: an account of every task the pool ever accepted.
 *
 * ## Example
 * ```ts
 * import type { ShutdownReport } from 'rxjs-worker-pool';
 * const report: ShutdownReport<Email> = await pool.shutdown({ timeoutMs: 10_000 });
 * const { completed, rejected, withdrawn, timedOut, durationMs } = report;
 * console.log({ completed, rejected, withdrawn, timedOut, durationMs });
 * if (timedOut) await outbox.saveForLater([...report.cancelled, ...report.aborted]);
 * // Output: { completed: 120, rejected: 0, withdrawn: 2, timedOut: true, durationMs: 10004 }
 * ```
 */
export interface ShutdownReport<I> {
  /** Tasks that ran to their end, succeeded or failed. */
  completed: number;
  /** Tasks still queued (or waiting out a retry backoff) at the deadline, with their inputs. */
  cancelled: Task<I>[];
  /** Tasks running at the deadline, aborted through their signal, with their inputs. */
  aborted: Task<I>[];
  /** Tasks refused by a full queue (`QueueFullError`) over the pool's life. */
  rejected: number;
  /**
   * Tasks their caller cancelled before shutdown (an aborted `signal`, an unsubscribed
   * `process()`). `completed + cancelled + aborted + rejected + withdrawn` is every task the
   * pool was given.
   */
  withdrawn: number;
  /** From the `shutdown()` call to the end of the last cleanup callback, in ms. */
  durationMs: number;
  /** True when the deadline cut work off. */
  timedOut: boolean;
  /** One entry per cleanup callback, in the order they ran. */
  cleanup: CleanupOutcome[];
}

/**
 * What cleanup callbacks receive: the report as it stands after the drain.
 *
 * ## Example
 * ```ts
 * import type { DrainReport } from 'rxjs-worker-pool';
 * pool.onShutdown(async (report: DrainReport<Job>) => {
 *   const unfinished = [...report.cancelled, ...report.aborted];
 *   if (unfinished.length > 0) await jobs.requeue(unfinished.map((task) => task.input));
 *   console.log(`drained: ${report.completed} completed, ${unfinished.length} requeued`);
 * });
 * ```
 */
export type DrainReport<I> = Omit<ShutdownReport<I>, 'durationMs' | 'cleanup'>;

/**
 * Options of `shutdown()`.
 *
 * ## Example
 * ```ts
 * import type { ShutdownOptions } from 'rxjs-worker-pool';
 * const graceful: ShutdownOptions = { timeoutMs: 30_000 };
 * const done = pool.shutdown(graceful);
 * // A second Ctrl-C skips the rest of the drain: same promise, cut short.
 * process.once('SIGINT', () => void pool.shutdown({ force: true }));
 * const report = await done;
 * ```
 */
export interface ShutdownOptions {
  /**
   * Drain deadline in ms: then running tasks are aborted and queued ones cancelled.
   * `0` aborts at once. Defaults to the pool's `shutdown.timeoutMs`, else no deadline.
   */
  timeoutMs?: number;
  /**
   * Skip the drain: cancel queued tasks and abort running ones at once, and wait for no
   * cleanup beyond one turn of the event loop (each still starts; one still running then is
   * reported as `forced`). Also on a shutdown already under way, as a second signal does.
   * Defaults to false.
   */
  force?: boolean;
}
