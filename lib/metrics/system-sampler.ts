import { Observable, Subject, timer, type SchedulerLike, type Subscription } from 'rxjs';
import { ZERO_USAGE, type ProcessUsage, type UsageSource } from '../scaling/usage-source';

/**
 * Options of {@link SystemSampler}.
 *
 * ## Example
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { PidusageSource } from 'rxjs-worker-pool';
 * import { SystemSampler } from './system-sampler'; // internal: lib/metrics/
 * const sampler = new SystemSampler(new PidusageSource(), 5000, asyncScheduler, { diskPath: '/var/data' });
 * ```
 */
export interface SystemSamplerOptions {
  /** Also reads the free bytes of the file system holding this path (`fs.statfs`). Defaults to none. */
  diskPath?: string;
}

/**
 * Samples a {@link UsageSource} on its own interval, so reading process usage never runs per
 * task and never delays the metrics stream.
 *
 * It samples once at `start()` and then every `intervalMs` on the given scheduler. It never
 * queues: a tick that comes while the previous sample is still pending is skipped (and counted
 * in `skipped`). A failed sample keeps the previous reading (and is counted in `errors`).
 *
 * ## Example
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { PidusageSource } from 'rxjs-worker-pool';
 * import { SystemSampler } from './system-sampler'; // internal: lib/metrics/
 * const sampler = new SystemSampler(new PidusageSource(), 1000, asyncScheduler);
 * sampler.usage$.subscribe((usage) => console.log(usage.cpuPercent));
 * sampler.start();
 * // later: sampler.latest is the newest reading; sampler.stop();
 * ```
 */
export class SystemSampler {
  readonly #source: UsageSource;
  readonly #intervalMs: number;
  readonly #scheduler: SchedulerLike;
  readonly #diskPath: string | undefined;
  readonly #usage = new Subject<ProcessUsage>();
  #latest: ProcessUsage = { ...ZERO_USAGE };
  #ticks: Subscription | undefined;
  #pending = false;
  // Bumped by stop(), so a sample that settles after it is dropped.
  #generation = 0;

  /** Ticks skipped because the previous sample was still pending. */
  skipped = 0;
  /** Samples that failed (the previous reading was kept). */
  errors = 0;

  /** Every completed reading, hot; does not complete on `stop()`. */
  readonly usage$: Observable<ProcessUsage> = this.#usage.asObservable();

  /**
   * @param source where readings come from.
   * @param intervalMs time between samples, in ms (> 0).
   * @param scheduler runs the interval (a `TestScheduler` in specs).
   */
  constructor(
    source: UsageSource,
    intervalMs: number,
    scheduler: SchedulerLike,
    options: SystemSamplerOptions = {},
  ) {
    if (typeof intervalMs !== 'number' || !(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new RangeError(
        `Expected \`intervalMs\` to be a number above 0, got \`${String(intervalMs)}\` (${typeof intervalMs})`,
      );
    }
    this.#source = source;
    this.#intervalMs = intervalMs;
    this.#scheduler = scheduler;
    this.#diskPath = options.diskPath;
  }

  /** The newest reading; all zeros before the first sample completes. */
  get latest(): ProcessUsage {
    return this.#latest;
  }

  /** Whether the interval is running. */
  get running(): boolean {
    return this.#ticks !== undefined;
  }

  /** Samples now and then every `intervalMs`. Does nothing if already running. */
  start(): void {
    if (this.#ticks) return;
    this.#ticks = timer(0, this.#intervalMs, this.#scheduler).subscribe(() => this.#tick());
  }

  /** Stops the interval; a sample still pending is dropped when it settles. Can be restarted. */
  stop(): void {
    this.#ticks?.unsubscribe();
    this.#ticks = undefined;
    this.#generation++;
    this.#pending = false;
  }

  #tick(): void {
    if (this.#pending) {
      this.skipped++;
      return;
    }
    this.#pending = true;
    const generation = this.#generation;
    void Promise.all([this.#sampleSource(), this.#sampleDisk()]).then(
      ([usage, diskFreeBytes]) => {
        if (generation !== this.#generation) return;
        this.#pending = false;
        const reading: ProcessUsage = { ...usage, sampledAt: this.#scheduler.now() };
        if (this.#diskPath !== undefined) {
          // A failed statfs keeps the previous disk reading rather than dropping the usage.
          const free = diskFreeBytes ?? this.#latest.diskFreeBytes;
          if (free !== undefined) reading.diskFreeBytes = free;
        }
        this.#latest = reading;
        this.#usage.next(reading);
      },
      () => {
        if (generation !== this.#generation) return;
        this.#pending = false;
        this.errors++;
      },
    );
  }

  #sampleSource(): Promise<ProcessUsage> {
    try {
      return this.#source.sample();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #sampleDisk(): Promise<number | undefined> {
    if (this.#diskPath === undefined) return undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only with diskPath
      const { statfs } = require('node:fs/promises') as typeof import('node:fs/promises');
      const stats = await statfs(this.#diskPath);
      return stats.bavail * stats.bsize;
    } catch {
      this.errors++;
      return undefined;
    }
  }
}
