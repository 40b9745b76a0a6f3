import type { TestScheduler } from 'rxjs/testing';
import type { ProcessUsage, UsageSource } from '../../lib/scaling/usage-source';

/** Drains pending promise callbacks (no timers involved). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs the virtual clock up to `frame` one due action at a time, letting promise callbacks (the
 * usage samples) run before and after each, as they would between real timer callbacks.
 */
export async function advanceTo(scheduler: TestScheduler, frame: number): Promise<void> {
  await settle();
  for (let next = scheduler.actions[0]; next && next.delay <= frame; next = scheduler.actions[0]) {
    scheduler.maxFrames = next.delay;
    scheduler.flush();
    await settle();
  }
}

/** A source whose samples stay pending until the spec resolves or rejects them by hand. */
export class ManualSource implements UsageSource {
  readonly pending: { resolve: (u: ProcessUsage) => void; reject: (e: Error) => void }[] = [];
  sample(): Promise<ProcessUsage> {
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
}
