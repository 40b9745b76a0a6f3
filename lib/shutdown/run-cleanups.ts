import {
  NEVER,
  delay,
  firstValueFrom,
  from,
  map,
  race,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { Logger } from 'pino';
import type { CleanupOutcome, DrainReport } from './shutdown-report';
import { toError } from '../errors/to-error';

/** A function `onShutdown` registered; it gets the drain's outcome. */
export type Cleanup<I> = (report: DrainReport<I>) => void | Promise<void>;

/**
 * Runs cleanup callbacks last registered first, each raced against its own timeout; one that
 * throws or hangs is logged and the rest still run. Once `forced$` emits (a forced shutdown),
 * no cleanup is waited for past one turn of the event loop: the rest still start, and what
 * has not finished by then is `forced`.
 */
export async function runCleanups<I>(
  cleanups: readonly Cleanup<I>[],
  drained: DrainReport<I>,
  timeoutMs: number,
  scheduler: SchedulerLike,
  logger: Logger,
  forced$: Observable<unknown> = NEVER,
): Promise<CleanupOutcome[]> {
  // A cleanup that ends synchronously or in a microtask still counts as done.
  const cut$ = forced$.pipe(
    delay(0, scheduler),
    map(() => 'forced' as const),
  );
  const outcomes: CleanupOutcome[] = [];
  for (let index = cleanups.length - 1; index >= 0; index--) {
    const cleanup = cleanups[index];
    const name = cleanup.name || '(anonymous)';
    const startedAt = scheduler.now();
    let outcome: CleanupOutcome;
    try {
      const ran$ = from(Promise.resolve(drained).then(cleanup)).pipe(map(() => 'ok' as const));
      const ended = await firstValueFrom(
        // Infinity: no limit (a timer of Infinity ms would fire after 1 ms).
        timeoutMs === Infinity
          ? race(ran$, cut$)
          : race(ran$, cut$, timer(timeoutMs, scheduler).pipe(map(() => 'timed-out' as const))),
        { defaultValue: 'ok' as const },
      );
      outcome = { index, name, status: ended, durationMs: scheduler.now() - startedAt };
      if (ended === 'timed-out') {
        logger.error({ cleanup: name, timeoutMs }, 'shutdown cleanup timed out');
      } else if (ended === 'forced') {
        logger.warn({ cleanup: name }, 'forced shutdown: not waiting for this cleanup');
      }
    } catch (thrown) {
      const error = toError(thrown);
      outcome = { index, name, status: 'failed', error, durationMs: scheduler.now() - startedAt };
      logger.error({ cleanup: name, err: error }, 'shutdown cleanup failed');
    }
    outcomes.push(outcome);
  }
  return outcomes;
}
