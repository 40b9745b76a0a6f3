import { createLogger } from '../index';
import type { Logger } from 'pino';

/** The same notice is not repeated within this long; how often it came is said once it changes. */
export const NOTICE_QUIET_MS = 10_000;

/**
 * A logger for the `worker` command's BullMQ consumer that writes one plain line per kind of
 * trouble instead of a JSON line with a stack every second (BullMQ reports each failed
 * reconnect while Redis is down): `Redis: connect ECONNREFUSED 127.0.0.1:6379 (retrying)`,
 * then nothing more for that message for {@link NOTICE_QUIET_MS}, with how many came
 * meanwhile. Lines go through `note`, so they never garble the progress block.
 */
export function redisNoticeLogger(note: (line: string) => void, now = Date.now): Logger {
  const last = new Map<string, { at: number; suppressed: number }>();
  const destination = {
    write(json: string): void {
      let entry: { msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(json) as typeof entry;
      } catch {
        return;
      }
      const message = `${entry.msg ?? 'BullMQ'}: ${entry.err?.message ?? ''}`.trim();
      const seen = last.get(message);
      const at = now();
      if (seen !== undefined && at - seen.at < NOTICE_QUIET_MS) {
        seen.suppressed++;
        return;
      }
      const again =
        seen !== undefined && seen.suppressed > 0 ? ` (${seen.suppressed} more since)` : '';
      last.set(message, { at, suppressed: 0 });
      note(`${message}${again}; retrying`);
    },
  };
  return createLogger({ level: 'warn' }, destination);
}
