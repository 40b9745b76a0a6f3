import type { Histogram } from 'hdr-histogram-js';

type Hdr = typeof import('hdr-histogram-js');
let hdrModule: Hdr | undefined;
/** hdr-histogram-js loads with the first recorder (a pool's construction), not at import. */
function hdr(): Hdr {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  return (hdrModule ??= require('hdr-histogram-js') as Hdr);
}
import { PRIORITY_NAMES, type Priority, type PriorityName } from '../task/priority';
import type { ProcessUsage } from '../scaling/usage-source';
import type { BatchMetrics, LatencyPair, LatencySummary, PoolMetrics } from './pool-metrics';

/** One hour in microseconds: the range recorded without resizing. */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

/**
 * What the pool knows live at snapshot time, passed to {@link MetricsRecorder.snapshot}.
 *
 * ## Example
 * ```ts
 * import { ZERO_USAGE } from '../scaling/usage-source'; // internal
 * import type { LiveMetrics } from './metrics-recorder';
 * const live: LiveMetrics = { active: 2, abandoned: 0, queuedByPriority: [0, 5, 1, 0], concurrency: 4, system: ZERO_USAGE };
 * ```
 */
export interface LiveMetrics {
  /** Handler attempts holding a slot now. */
  active: number;
  /** Handlers given up on but maybe still running. */
  abandoned: number;
  /** Waiting tasks indexed by {@link Priority}: `[low, normal, high, critical]`. */
  queuedByPriority: ArrayLike<number>;
  /** The concurrency limit in force. */
  concurrency: number;
  /** The newest process usage reading. */
  system: ProcessUsage;
}

/**
 * Options of {@link MetricsRecorder.snapshot}.
 *
 * ## Example
 * ```ts
 * // metrics(): a peek that leaves the metrics$ interval alone
 * const current = recorder.snapshot(live, scheduler.now(), { advance: false });
 * ```
 */
export interface SnapshotOptions {
  /**
   * Whether this snapshot closes the throughput interval. `false` peeks: throughput over the
   * interval so far, without starting a new one. Defaults to true.
   */
  advance?: boolean;
}

/**
 * Options of the {@link MetricsRecorder} constructor.
 *
 * ## Example
 * ```ts
 * import { MetricsRecorder } from './metrics-recorder'; // internal: lib/metrics/
 * const recorder = new MetricsRecorder({ startedAt: scheduler.now() });
 * ```
 */
export interface MetricsRecorderOptions {
  /**
   * Start of the first throughput interval, in the pool scheduler's ms. Defaults to none: the
   * first snapshot then opens the interval and reports a throughput of 0.
   */
  startedAt?: number;
}

/**
 * Whether hdr-histogram-js's WebAssembly build loaded. Recording a value costs ~30 ns there
 * against ~240 ns in its pure-JS build (measured on this project's VM), and a pool records
 * two values per task: that was ~12 % of the pool's CPU profile. Without WebAssembly the JS
 * build is used, with the same results.
 */
let wasmReady: boolean | undefined;
function useWasm(): boolean {
  if (wasmReady === undefined) {
    try {
      hdr().initWebAssemblySync();
      wasmReady = true;
    } catch {
      wasmReady = false;
    }
  }
  return wasmReady;
}

/**
 * WebAssembly histograms live outside the JS heap and must be destroyed: done when their
 * recorder is garbage-collected (never earlier: `metrics()` stays valid after shutdown).
 */
const wasmHistograms = new FinalizationRegistry<Histogram[]>((histograms) => {
  for (const histogram of histograms) histogram.destroy();
});

/** Recording precision: 3 significant digits (0.1 %) in microseconds. */
function newHistogram(): Histogram {
  return hdr().build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    // A task over an hour grows the histogram instead of throwing.
    autoResize: true,
    useWebAssembly: useWasm(),
  });
}

/** ms → whole µs; negative or NaN durations (a clock step) count as 0. */
function toMicros(ms: number): number {
  return ms > 0 ? Math.round(ms * 1000) : 0;
}

/**
 * Percentiles in ms. HDR reports a percentile as the highest value equivalent to its bucket,
 * which can exceed the largest value recorded (p99 31.007 over a max of 31): each is capped at
 * the max, so every percentile is <= max as the metrics contract promises.
 */
function summaryOf(h: ReturnType<typeof newHistogram>): LatencySummary {
  const max = h.maxValue;
  const at = (percentile: number): number =>
    Math.min(h.getValueAtPercentile(percentile), max) / 1000;
  return { p50: at(50), p90: at(90), p99: at(99), max: max / 1000 };
}

/** Cached percentiles of one histogram, recomputed only when it has new values. */
class LatencyTrack {
  readonly histogram = newHistogram();
  #countAtSummary = -1;
  #summary: LatencySummary = { p50: 0, p90: 0, p99: 0, max: 0 };
  /** Set by {@link freeze}: the histogram is gone, the last summary stays. */
  frozen = false;

  summary(): LatencySummary {
    const h = this.histogram;
    if (!this.frozen && h.totalCount !== this.#countAtSummary) {
      this.#countAtSummary = h.totalCount;
      this.#summary = h.totalCount === 0 ? { p50: 0, p90: 0, p99: 0, max: 0 } : summaryOf(h);
    }
    return { ...this.#summary };
  }

  reset(): void {
    if (this.frozen) return;
    this.histogram.reset();
    this.#countAtSummary = -1;
  }

  /** Keeps the current summary and frees the histogram (WebAssembly memory is not the GC's). */
  freeze(): void {
    if (this.frozen) return;
    this.summary();
    this.frozen = true;
    if (wasmReady) this.histogram.destroy();
  }
}

/**
 * Counts and latency histograms behind `PoolMetrics`, built for the pool's hot path.
 *
 * The pool increments the public counters directly and calls {@link recordLatency} once per
 * finished task; both are O(1) with no allocation (ten fixed-size HDR histograms, in
 * WebAssembly memory where available), so memory stays flat however many tasks run.
 *
 * Semantics:
 * - counters are cumulative over the pool's life;
 * - latency percentiles are cumulative over the pool's life too (like the counters beside
 *   them), from hdr-histogram-js at 3 significant digits: recorded in whole microseconds,
 *   reported in ms, each percentile the top of its bucket (within 0.1 %, at most 1 µs below
 *   1 ms); `max` is exact. Call {@link reset} for a fresh window;
 * - `throughputPerSec` is tasks completed (succeeded + failed) since the previous advancing
 *   snapshot, divided by the seconds elapsed since it; a snapshot that does not advance (the
 *   pool's `metrics()`) spans the last full interval too, so a read just after a sampled
 *   snapshot gives that snapshot's rate instead of ~0.
 *
 * ## Example
 * ```ts
 * import { Priority } from 'rxjs-worker-pool';
 * import { MetricsRecorder } from './metrics-recorder'; // internal: lib/metrics/
 * const recorder = new MetricsRecorder({ startedAt: 0 });
 * recorder.submitted++; recorder.started++; recorder.succeeded++;
 * recorder.recordLatency(Priority.HIGH, 2, 40);
 * const live = { active: 0, abandoned: 0, queuedByPriority: [0, 0, 0, 0], concurrency: 4,
 *   system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs: 0 } };
 * const m = recorder.snapshot(live, 1000);
 * console.log(m.succeeded, m.throughputPerSec, m.latency.runMs.max);
 * // Output:
 * // 1 1 40
 * ```
 */
export class MetricsRecorder {
  /** Tasks submitted, those then rejected included. */
  submitted = 0;
  /** Handler attempts started (retries included). */
  started = 0;
  succeeded = 0;
  failed = 0;
  cancelled = 0;
  rejected = 0;
  /** Attempts that were retries. */
  retries = 0;
  timeouts = 0;
  concurrencyChanges = 0;

  readonly #wait = new LatencyTrack();
  readonly #run = new LatencyTrack();
  // Indexed by Priority value.
  readonly #waitBy: LatencyTrack[] = PRIORITY_NAMES.map(() => new LatencyTrack());
  readonly #runBy: LatencyTrack[] = PRIORITY_NAMES.map(() => new LatencyTrack());

  /** Items per batch call; made for a pool whose handler is a batch handler. */
  #batchSizes: Histogram | undefined;
  #batchCount = 0;
  #batchItems = 0;

  #closed = false;
  #intervalStart: number | undefined;
  #completedAtIntervalStart = 0;
  /** Where the interval before the current one began: a read between snapshots spans it too. */
  #previousStart: number | undefined;
  #completedAtPreviousStart = 0;
  #throughput = 0;

  constructor(options: MetricsRecorderOptions = {}) {
    this.#intervalStart = options.startedAt;
    if (useWasm()) {
      const tracks = [this.#wait, this.#run, ...this.#waitBy, ...this.#runBy];
      wasmHistograms.register(
        this,
        tracks.map((track) => track.histogram),
        this,
      );
    }
  }

  /**
   * Records one finished task's queue wait and run time, in ms (sub-ms values keep µs precision).
   * Call it once per task that ran, whatever its outcome.
   */
  recordLatency(priority: Priority, waitMs: number, runMs: number): void {
    if (this.#closed) return;
    // Two records per task, per level only: the overall view is the levels merged when a
    // snapshot asks for it (recording dominates; snapshots are rare).
    const level = priority >= 0 && priority <= 3 ? priority : 1;
    this.#waitBy[level].histogram.recordValue(toMicros(waitMs));
    this.#runBy[level].histogram.recordValue(toMicros(runMs));
  }

  /** From now on the snapshots report `batches` (a pool with a batch handler). */
  trackBatches(): void {
    // The pure-JS build: one record per call, not per task, and nothing to destroy.
    this.#batchSizes ??= hdr().build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 1024,
      numberOfSignificantValueDigits: 3,
      autoResize: true,
      useWebAssembly: false,
    });
  }

  /** Counts one batch call of `size` items. */
  recordBatch(size: number): void {
    this.#batchCount++;
    this.#batchItems += size;
    this.#batchSizes?.recordValue(size);
  }

  #batches(): BatchMetrics | undefined {
    const sizes = this.#batchSizes;
    if (sizes === undefined) return undefined;
    const empty = sizes.totalCount === 0;
    return {
      count: this.#batchCount,
      items: this.#batchItems,
      size: {
        p50: empty ? 0 : sizes.getValueAtPercentile(50),
        p99: empty ? 0 : sizes.getValueAtPercentile(99),
        max: empty ? 0 : sizes.maxValue,
      },
    };
  }

  /** Latency percentiles so far, overall and per priority. */
  latency(): { overall: LatencyPair; byPriority: Record<PriorityName, LatencyPair> } {
    const byPriority = {} as Record<PriorityName, LatencyPair>;
    PRIORITY_NAMES.forEach((name, level) => {
      byPriority[name] = {
        waitMs: this.#waitBy[level].summary(),
        runMs: this.#runBy[level].summary(),
      };
    });
    return {
      overall: {
        waitMs: this.#merged(this.#wait, this.#waitBy),
        runMs: this.#merged(this.#run, this.#runBy),
      },
      byPriority,
    };
  }

  /** The overall track as the sum of the per-level ones, merged again only when they changed. */
  #merged(overall: LatencyTrack, levels: readonly LatencyTrack[]): LatencySummary {
    if (this.#closed) return overall.summary();
    let count = 0;
    for (const level of levels) count += level.histogram.totalCount;
    if (count !== overall.histogram.totalCount) {
      overall.histogram.reset();
      for (const level of levels)
        if (level.histogram.totalCount > 0) overall.histogram.add(level.histogram);
    }
    return overall.summary();
  }

  /**
   * Builds a {@link PoolMetrics} from the counters, the histograms and what the pool knows live.
   *
   * @param live gauges the pool holds: active, abandoned, queue depths, limit, process usage.
   * @param now the pool scheduler's time in ms; becomes `timestamp`.
   * @param options `{ advance: false }` to peek without closing the throughput interval.
   */
  snapshot(live: LiveMetrics, now: number, options: SnapshotOptions = {}): PoolMetrics {
    const q = live.queuedByPriority;
    const low = q[0] ?? 0;
    const normal = q[1] ?? 0;
    const high = q[2] ?? 0;
    const critical = q[3] ?? 0;
    const { overall, byPriority } = this.latency();
    const batches = this.#batches();
    const snapshot: PoolMetrics = {
      submitted: this.submitted,
      started: this.started,
      succeeded: this.succeeded,
      failed: this.failed,
      cancelled: this.cancelled,
      rejected: this.rejected,
      retries: this.retries,
      timeouts: this.timeouts,
      active: live.active,
      abandoned: live.abandoned,
      queued: low + normal + high + critical,
      queuedByPriority: { critical, high, normal, low },
      concurrency: live.concurrency,
      concurrencyChanges: this.concurrencyChanges,
      throughputPerSec: this.#throughputAt(now, options.advance ?? true),
      latency: overall,
      latencyByPriority: byPriority,
      system: { ...live.system },
      timestamp: now,
    };
    if (batches !== undefined) snapshot.batches = batches;
    return snapshot;
  }

  /**
   * Freezes the latency summaries and frees the histograms: a pool calls it at shutdown, so a
   * process that makes many pools does not wait for the GC to release their WebAssembly memory
   * (thousands of pools made in a loop ran it out). Snapshots stay valid; recording stops.
   */
  close(): void {
    if (this.#closed) return;
    this.#merged(this.#wait, this.#waitBy);
    this.#merged(this.#run, this.#runBy);
    this.#closed = true;
    for (const track of [this.#wait, this.#run, ...this.#waitBy, ...this.#runBy]) track.freeze();
    wasmHistograms.unregister(this);
  }

  /** Clears the latency histograms (counters and throughput are untouched). */
  reset(): void {
    for (const track of [this.#wait, this.#run, ...this.#waitBy, ...this.#runBy]) track.reset();
  }

  #throughputAt(now: number, advance: boolean): number {
    const completed = this.succeeded + this.failed;
    if (this.#intervalStart === undefined) {
      // First snapshot without a start time: it opens the first interval.
      if (advance) {
        this.#intervalStart = now;
        this.#completedAtIntervalStart = completed;
      }
      return 0;
    }
    if (!advance && this.#previousStart !== undefined) {
      // A read between snapshots (metrics(), a CLI's redraw) right after one would divide a
      // handful of tasks by a millisecond or two: it spans the last full interval as well.
      const spanMs = now - this.#previousStart;
      return spanMs > 0 ? ((completed - this.#completedAtPreviousStart) * 1000) / spanMs : 0;
    }
    const elapsedMs = now - this.#intervalStart;
    // No time elapsed (two snapshots in one instant): keep the last value, keep the interval.
    if (!(elapsedMs > 0)) return this.#throughput;
    const rate = ((completed - this.#completedAtIntervalStart) * 1000) / elapsedMs;
    if (advance) {
      this.#throughput = rate;
      this.#previousStart = this.#intervalStart;
      this.#completedAtPreviousStart = this.#completedAtIntervalStart;
      this.#intervalStart = now;
      this.#completedAtIntervalStart = completed;
    }
    return rate;
  }
}
