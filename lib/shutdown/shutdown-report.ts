import type { Task } from '../task/task';

/** How one `onShutdown` cleanup callback ended. */
export interface CleanupOutcome {
  /** Registration order, from 0. Callbacks run last registered first. */
  index: number;
  /** The function's name, when it has one. */
  name: string;
  status: 'ok' | 'failed' | 'timed-out';
  error?: Error;
  durationMs: number;
}

/** What `shutdown()` resolves with: an account of every task the pool ever accepted. */
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

/** What cleanup callbacks receive: the report as it stands after the drain. */
export type DrainReport<I> = Omit<ShutdownReport<I>, 'durationMs' | 'cleanup'>;

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /**
   * Drain deadline in ms: then running tasks are aborted and queued ones cancelled.
   * `0` aborts at once. Defaults to the pool's `shutdown.timeoutMs`, else no deadline.
   */
  timeoutMs?: number;
  /** Skip the drain: cancel queued tasks and abort running ones at once. Defaults to false. */
  force?: boolean;
}
