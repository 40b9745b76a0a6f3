import type { IntervalHistogram } from 'node:perf_hooks';
import type pidusageModule from 'pidusage';

/**
 * One reading of what the process is using.
 *
 * ## Example
 * ```ts
 * import type { ProcessUsage } from 'rxjs-worker-pool';
 * const { cpuPercent, rssBytes }: ProcessUsage = pool.metrics().system;
 * ```
 */
export interface ProcessUsage {
  /** CPU use since the previous reading, in percent of one core (may exceed 100 on several cores). */
  cpuPercent: number;
  /** Resident set size, in bytes. */
  rssBytes: number;
  /** V8 heap in use, in bytes. */
  heapUsedBytes: number;
  /** 99th percentile of the event-loop delay since the previous reading, in ms. */
  eventLoopDelayMs: number;
  /** Free bytes (for unprivileged users) on the configured disk path; absent unless asked for. */
  diskFreeBytes?: number;
  /**
   * In a pool's metrics: when `cpuPercent` and `eventLoopDelayMs` were read (the pool
   * scheduler's ms). Absent before the first reading: the pool samples its process only while
   * `metrics$` has a subscriber, so those two are zeros that mean "not measured".
   */
  sampledAt?: number;
}

/**
 * Where process usage readings come from: pluggable so that a scaler or a spec can use a fake.
 *
 * ## Example
 * ```ts
 * import type { UsageSource } from 'rxjs-worker-pool';
 * const fixed: UsageSource = {
 *   sample: async () => ({ cpuPercent: 50, rssBytes: 1e8, heapUsedBytes: 5e7, eventLoopDelayMs: 2 }),
 * };
 * ```
 */
export interface UsageSource {
  /** Takes one reading; may be slow (a syscall), so callers must not call it per task. */
  sample(): Promise<ProcessUsage>;
}

/**
 * A reading of all zeros: what a sampler reports before its first sample.
 *
 * ## Example
 * ```ts
 * import { ZERO_USAGE } from './usage-source'; // internal: lib/scaling/
 * console.log(ZERO_USAGE.cpuPercent);
 * // Output:
 * // 0
 * ```
 */
export const ZERO_USAGE: Readonly<ProcessUsage> = Object.freeze({
  cpuPercent: 0,
  rssBytes: 0,
  heapUsedBytes: 0,
  eventLoopDelayMs: 0,
});

/**
 * Options of {@link PidusageSource}.
 *
 * ## Example
 * ```ts
 * import { PidusageSource } from 'rxjs-worker-pool';
 * const source = new PidusageSource({ eventLoopResolutionMs: 20 });
 * ```
 */
export interface PidusageSourceOptions {
  /** Sampling resolution of the event-loop delay monitor, in ms. Defaults to 10. */
  eventLoopResolutionMs?: number;
}

/**
 * Reads this process's usage: CPU and RSS from pidusage, heap from `process.memoryUsage()`,
 * event-loop delay p99 from `perf_hooks.monitorEventLoopDelay` (reset after each sample).
 *
 * The event-loop monitor runs from construction until {@link PidusageSource.close}.
 *
 * ## Example
 * ```ts
 * import { PidusageSource } from 'rxjs-worker-pool';
 * const source = new PidusageSource();
 * const usage = await source.sample();
 * console.log(usage.cpuPercent >= 0, usage.rssBytes > 0);
 * source.close();
 * // Output:
 * // true true
 * ```
 */
export class PidusageSource implements UsageSource {
  readonly #loopDelay: IntervalHistogram;
  #closed = false;

  constructor(options: PidusageSourceOptions = {}) {
    const resolution = options.eventLoopResolutionMs ?? 10;
    if (!Number.isInteger(resolution) || resolution < 1) {
      throw new RangeError(
        `Expected \`eventLoopResolutionMs\` to be an integer from 1, got \`${String(resolution)}\` (${typeof resolution})`,
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first source
    const { monitorEventLoopDelay } =
      require('node:perf_hooks') as typeof import('node:perf_hooks');
    this.#loopDelay = monitorEventLoopDelay({ resolution });
    this.#loopDelay.enable();
  }

  /** Takes one reading; the event-loop delay covers the time since the previous one. */
  async sample(): Promise<ProcessUsage> {
    const stat = await readPidusage();
    const heapUsedBytes = process.memoryUsage().heapUsed;
    // The histogram is in nanoseconds; with no samples yet its percentiles are meaningless.
    const eventLoopDelayMs = this.#loopDelay.count > 0 ? this.#loopDelay.percentile(99) / 1e6 : 0;
    this.#loopDelay.reset();
    return {
      cpuPercent: Number.isFinite(stat.cpu) ? stat.cpu : 0,
      rssBytes: stat.memory,
      heapUsedBytes,
      eventLoopDelayMs,
    };
  }

  /**
   * Stops the event-loop monitor. Safe to call twice. It leaves pidusage's history alone: that
   * is shared by every source in the process (clearing it would cost the others their CPU
   * baseline), its entries expire by themselves and its timer does not hold the process.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#loopDelay.disable();
  }
}

/**
 * A {@link UsageSource} for tests: returns the given readings in order, then repeats the last
 * (all zeros when given none) until more are pushed. Missing fields are zero.
 *
 * ## Example
 * ```ts
 * import { ScriptedUsageSource } from 'rxjs-worker-pool';
 * const source = new ScriptedUsageSource([{ cpuPercent: 10 }, { cpuPercent: 90 }]);
 * for (let i = 0; i < 3; i++) console.log((await source.sample()).cpuPercent);
 * // Output:
 * // 10
 * // 90
 * // 90
 * ```
 */
export class ScriptedUsageSource implements UsageSource {
  readonly #readings: ProcessUsage[];
  #next = 0;
  /** How many times `sample()` was called. */
  calls = 0;

  constructor(readings: readonly Partial<ProcessUsage>[] = []) {
    this.#readings = readings.map((reading) => ({ ...ZERO_USAGE, ...reading }));
  }

  /** Appends readings to the script. */
  push(...readings: Partial<ProcessUsage>[]): void {
    for (const reading of readings) this.#readings.push({ ...ZERO_USAGE, ...reading });
  }

  /** Resolves with the next scripted reading (a fresh copy each time). */
  sample(): Promise<ProcessUsage> {
    this.calls++;
    if (this.#readings.length === 0) return Promise.resolve({ ...ZERO_USAGE });
    // Past the end the index stays put, so readings pushed later come next.
    const reading = this.#readings[Math.min(this.#next, this.#readings.length - 1)];
    if (this.#next < this.#readings.length) this.#next++;
    return Promise.resolve({ ...reading });
  }
}

let pidusageFn: typeof pidusageModule | undefined;
/** pidusage loads with the first sample: importing the package stays light. */
function loadPidusage(): typeof pidusageModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  return (pidusageFn ??= require('pidusage') as typeof pidusageModule);
}

/**
 * pidusage keeps one open descriptor of /proc/<pid>/stat in a process-wide history. Seen in a
 * long test run: a read failing with EBADF once that descriptor had been closed behind its
 * back. Its `clear()` forgets the history without closing anything, so one retry after it
 * opens a fresh descriptor (the CPU baseline restarts from that sample).
 */
async function readPidusage(): Promise<pidusageModule.Status> {
  const pidusage = loadPidusage();
  try {
    return await pidusage(process.pid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBADF') throw error;
    pidusage.clear();
    return pidusage(process.pid);
  }
}
