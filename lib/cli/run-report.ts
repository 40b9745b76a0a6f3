import { readFileSync, writeFileSync } from 'node:fs';
import type { PoolMetrics, TaskResult } from '../index';

/** One point of the run's time series. */
export interface ReportSample {
  /** Seconds since the run started. */
  t: number;
  /** Tasks completed per second over the last {@link REPORT_WINDOW_MS}. */
  throughput: number;
  /** Tasks completed per second since the start: the run's average so far. */
  average: number;
  concurrency: number;
  active: number;
  /** Process CPU, % of one core; null between two readings (the CPU is sampled each second). */
  cpu: number | null;
  critical: number;
  high: number;
  normal: number;
  low: number;
  /** Percentiles of the tasks that ended in the last {@link REPORT_WINDOW_MS}, in ms. */
  waitP50: number | null;
  waitP90: number | null;
  waitP99: number | null;
  runP50: number | null;
  runP90: number | null;
  runP99: number | null;
  /** With a batch handler: items per call, mean of the calls of the last window (null: none). */
  batchMean?: number | null;
  /** With a batch handler: the largest call so far. */
  batchMax?: number;
}

/** What the summary table of the report shows. */
export interface RunSummary {
  command: string;
  startedAt: string;
  durationMs: number;
  exitCode: number;
  read: number;
  badLines: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  retries: number;
  timeouts: number;
  remaining: number;
  interrupted: string | undefined;
  /** The pool's settings, as shown: `concurrency`, `timeoutMs`, ... */
  settings?: Record<string, string>;
}

/** A key among the run's busiest: its tasks that ended, and how many of them failed. */
export interface KeyTally {
  key: string;
  ended: number;
  failed: number;
  /** How much `ended` may overcount (the bounded counter's error; 0 while all keys fit). */
  error: number;
}

/** Keys counted at most: a run over a million keys keeps this many counters, not a million. */
const KEY_COUNTERS = 100;
/** Keys the report shows. */
const KEYS_SHOWN = 20;

/**
 * The busiest keys of a run in bounded memory: the Space-Saving heavy-hitters counter (a full
 * table replaces its smallest counter, which the newcomer inherits as its possible error), so
 * any key with more than 1/KEY_COUNTERS of the ended tasks is always in the table.
 */
export class BusiestKeys {
  readonly #counters = new Map<string, KeyTally>();

  add(key: string, failed: boolean): void {
    let tally = this.#counters.get(key);
    if (tally === undefined) {
      if (this.#counters.size < KEY_COUNTERS) {
        tally = { key, ended: 0, failed: 0, error: 0 };
      } else {
        let smallest: KeyTally | undefined;
        for (const candidate of this.#counters.values()) {
          if (smallest === undefined || candidate.ended < smallest.ended) smallest = candidate;
        }
        const floor = smallest as KeyTally;
        this.#counters.delete(floor.key);
        tally = { key, ended: floor.ended, failed: 0, error: floor.ended };
      }
      this.#counters.set(key, tally);
    }
    tally.ended++;
    if (failed) tally.failed++;
  }

  /** The busiest, most ended first. */
  top(count = KEYS_SHOWN): KeyTally[] {
    return [...this.#counters.values()].sort((a, b) => b.ended - a.ended).slice(0, count);
  }
}

/** A moment to mark on every chart: a signal, a halt. */
export interface ReportMarker {
  t: number;
  label: string;
}

/** The span the recent throughput and the latency percentiles are measured over. */
export const REPORT_WINDOW_MS = 2_000;
/** Latencies kept per window at most (a reservoir): a fast run's percentiles stay cheap. */
const RESERVOIR = 4_000;

/** Collects samples during a run; writes the page at the end. */
export class RunReport {
  readonly samples: ReportSample[] = [];
  readonly markers: ReportMarker[] = [];
  readonly #startedAt: number;
  /** (time, completed) of recent samples: the throughput window. */
  readonly #history: { at: number; completed: number; calls: number; items: number }[] = [];
  /** Latencies of tasks ended recently, with when they ended. */
  #ended: { at: number; waitMs: number; runMs: number }[] = [];
  #seen = 0;
  #lastCpuAt: number | undefined;
  readonly #keys = new BusiestKeys();

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  /** A task ended (succeeded or failed): its latencies count in the current window. */
  record(result: TaskResult<unknown, unknown>, now: number): void {
    this.#seen++;
    const key = result.task.key;
    if (key !== undefined) this.#keys.add(key, result.status !== 'succeeded');
    const entry = { at: now, waitMs: result.waitMs, runMs: result.runMs };
    if (this.#ended.length < RESERVOIR) this.#ended.push(entry);
    else {
      // Reservoir sampling: every ended task has the same chance to be kept.
      const slot = Math.floor(Math.random() * this.#seen);
      if (slot < RESERVOIR) this.#ended[slot] = entry;
    }
  }

  /** Marks a moment (a signal, a halt) on every chart. */
  mark(label: string, now: number): void {
    this.markers.push({ t: this.#seconds(now), label });
  }

  /** A point from a snapshot. */
  add(metrics: PoolMetrics, now: number): void {
    const completed = metrics.succeeded + metrics.failed;
    const history = this.#history;
    const batches = metrics.batches;
    history.push({ at: now, completed, calls: batches?.count ?? 0, items: batches?.items ?? 0 });
    while (history.length > 2 && now - history[1].at >= REPORT_WINDOW_MS) history.shift();
    const from = history[0];
    const span = (now - from.at) / 1000;
    const elapsed = (now - this.#startedAt) / 1000;
    // Latencies of the window; those older leave it (and the reservoir starts over).
    this.#ended = this.#ended.filter((entry) => now - entry.at < REPORT_WINDOW_MS);
    this.#seen = Math.min(this.#seen, this.#ended.length);
    const waits = this.#ended.map((e) => e.waitMs).sort((a, b) => a - b);
    const runs = this.#ended.map((e) => e.runMs).sort((a, b) => a - b);
    // A CPU point only where a new reading came: the line joins real readings.
    const sampledAt = metrics.system.sampledAt;
    const freshCpu = sampledAt !== undefined && sampledAt !== this.#lastCpuAt;
    this.#lastCpuAt = sampledAt;
    const q = metrics.queuedByPriority;
    this.samples.push({
      t: this.#seconds(now),
      throughput: round(span > 0 ? (completed - from.completed) / span : 0),
      average: round(elapsed > 0 ? completed / elapsed : 0),
      concurrency: metrics.concurrency,
      active: metrics.active,
      cpu: freshCpu ? round(metrics.system.cpuPercent) : null,
      critical: q.critical,
      high: q.high,
      normal: q.normal,
      low: q.low,
      waitP50: percentile(waits, 50),
      waitP90: percentile(waits, 90),
      waitP99: percentile(waits, 99),
      runP50: percentile(runs, 50),
      runP90: percentile(runs, 90),
      runP99: percentile(runs, 99),
      ...(batches === undefined
        ? {}
        : {
            batchMean:
              batches.count > from.calls
                ? round((batches.items - from.items) / (batches.count - from.calls))
                : null,
            batchMax: batches.size.max,
          }),
    });
  }

  write(file: string, summary: RunSummary): void {
    writeFileSync(file, renderReport(this.samples, summary, this.markers, this.#keys.top()));
  }

  #seconds(now: number): number {
    return Math.round((now - this.#startedAt) / 100) / 10;
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** The p-th percentile of sorted values (nearest rank), null when there are none. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, rank)] * 100) / 100;
}

const esc = (text: string): string =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );

/** The chart library, inlined: the page must render with no network. */
function uplot(): { js: string; css: string } {
  const dir = require.resolve('uplot/dist/uPlot.iife.min.js').replace(/uPlot\.iife\.min\.js$/, '');
  return {
    js: readFileSync(`${dir}uPlot.iife.min.js`, 'utf8'),
    css: readFileSync(`${dir}uPlot.min.css`, 'utf8'),
  };
}

/** The charts: id, title, y-axis label, series (key, label, colour, dashed). */
const CHARTS = [
  {
    id: 'throughput',
    title: `Throughput (tasks completed per second, over the last ${REPORT_WINDOW_MS / 1000} s)`,
    y: 'tasks/s',
    series: [
      ['throughput', 'recent rate', '#1f77b4'],
      ['average', 'run average', '#7f7f7f', true],
    ],
  },
  {
    id: 'concurrency',
    title: 'Concurrency: the limit in force and the attempts running',
    y: 'attempts',
    series: [
      ['concurrency', 'limit', '#2ca02c', true],
      ['active', 'running', '#9467bd'],
    ],
  },
  {
    id: 'cpu',
    title: 'Process CPU (% of one core; above 100 % on several cores)',
    y: '% of one core',
    series: [['cpu', 'CPU', '#d62728']],
  },
  {
    id: 'queue',
    title: 'Queue depth by priority',
    y: 'tasks waiting',
    series: [
      ['critical', 'critical', '#d62728'],
      ['high', 'high', '#ff7f0e'],
      ['normal', 'normal', '#1f77b4'],
      ['low', 'low', '#7f7f7f'],
    ],
  },
  {
    id: 'wait',
    title: `Wait in the queue (ms), tasks ended in the last ${REPORT_WINDOW_MS / 1000} s`,
    y: 'ms',
    series: [
      ['waitP50', 'p50', '#2ca02c'],
      ['waitP90', 'p90', '#ff7f0e'],
      ['waitP99', 'p99', '#d62728'],
    ],
  },
  {
    id: 'run',
    title: `Run time (ms), tasks ended in the last ${REPORT_WINDOW_MS / 1000} s`,
    y: 'ms',
    series: [
      ['runP50', 'p50', '#2ca02c'],
      ['runP90', 'p90', '#ff7f0e'],
      ['runP99', 'p99', '#d62728'],
    ],
  },
] as const;

/** With a batch handler: the sizes of its calls. */
const BATCH_CHART = {
  id: 'batches',
  title: `Batch sizes (items per call: mean of the calls of the last ${REPORT_WINDOW_MS / 1000} s, and the largest so far)`,
  y: 'items per call',
  series: [
    ['batchMean', 'mean', '#1f77b4'],
    ['batchMax', 'largest', '#7f7f7f', true],
  ],
} as const;

/** One self-contained HTML page: the charts over the run, its markers and its summary. */
export function renderReport(
  samples: readonly ReportSample[],
  summary: RunSummary,
  markers: readonly ReportMarker[] = [],
  keys: readonly KeyTally[] = [],
): string {
  const { js, css } = uplot();
  const rows: [string, string][] = [
    ['Command', summary.command],
    ['Started', summary.startedAt],
    ['Duration', `${(summary.durationMs / 1000).toFixed(1)} s`],
    [
      'Exit code',
      String(summary.exitCode) + (summary.interrupted ? ` (${summary.interrupted})` : ''),
    ],
    ['Lines read', String(summary.read)],
    ['Bad lines', String(summary.badLines)],
    ['Succeeded', String(summary.succeeded)],
    ['Failed', String(summary.failed)],
    ['Cancelled', String(summary.cancelled)],
    ['Retries', String(summary.retries)],
    ['Timeouts', String(summary.timeouts)],
    ['Written to --remaining', String(summary.remaining)],
    ...markers.map((m): [string, string] => [`Marked at ${m.t} s`, m.label]),
  ];
  const settings = Object.entries(summary.settings ?? {});
  const charts = samples.some((sample) => sample.batchMax !== undefined)
    ? [...CHARTS, BATCH_CHART]
    : CHARTS;
  // `</script>` inside the data would end the script element early.
  const data = JSON.stringify({ samples, markers, charts }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rxjs-worker-pool run report</title>
<style>${css}
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; display: inline-table; vertical-align: top; margin-right: 24px; }
td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
.chart { margin: 8px 0 16px; }
#keys td.bar { width: 480px; } #keys .ok { background: #2a7ab0; } #keys .bad { background: #d04040; }
#keys .ok, #keys .bad { display: inline-block; height: 12px; }
</style>
</head>
<body>
<h1>rxjs-worker-pool run report</h1>
<table id="summary">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<table id="settings"><tr><th colspan="2">Pool settings</th></tr>${settings.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
${charts.map((c) => `<h2>${esc(c.title)}</h2><div class="chart" id="${c.id}"></div>`).join('\n')}
${keysSection(keys)}
<script>${js}</script>
<script>
const { samples, markers, charts } = ${data};
const t = samples.map((s) => s.t);
const width = Math.min(960, document.body.clientWidth - 16);
// A vertical line and its label where a signal or a halt came, in a colour no series uses.
const markerPlugin = {
  hooks: {
    draw: [(u) => {
      const ctx = u.ctx;
      for (const m of markers) {
        const x = Math.round(u.valToPos(m.t, 'x', true));
        ctx.save();
        ctx.strokeStyle = '#c000c0'; ctx.setLineDash([4, 4]); ctx.lineWidth = 2 * devicePixelRatio;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.fillStyle = '#c000c0'; ctx.font = 12 * devicePixelRatio + 'px sans-serif';
        ctx.fillText(m.label, x + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
        ctx.restore();
      }
    }],
  },
};
window.reportCharts = charts.map((c) => {
  const opts = {
    width, height: 220,
    plugins: [markerPlugin],
    // A static page: the legend names the series; it has no cursor values to show.
    legend: { live: false },
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ label: 'seconds since the start' }, { label: c.y, size: 60 }],
    series: [{ label: 'seconds' }].concat(c.series.map(([key, label, stroke, dashed]) => ({
      label, stroke, width: dashed ? 3 : 2, dash: dashed ? [8, 6] : undefined, spanGaps: true,
    }))),
  };
  const plot = new uPlot(opts, [t].concat(c.series.map(([key]) => samples.map((s) => s[key]))), document.getElementById(c.id));
  return { id: c.id, axes: opts.axes.map((a) => a.label), series: c.series.map(([, label]) => label) };
});
</script>
</body>
</html>
`;
}

/**
 * The busiest keys as a bar chart in HTML: tasks ended per key (succeeded in blue, failed in
 * red), the scale the busiest key's count. Nothing when the run's lines had no key.
 */
function keysSection(keys: readonly KeyTally[]): string {
  if (keys.length === 0) return '';
  const most = Math.max(...keys.map((k) => k.ended));
  const bar = (count: number, kind: string): string =>
    `<span class="${kind}" style="width:${((count / most) * 100).toFixed(1)}%"></span>`;
  const rows = keys.map(
    (k) =>
      `<tr><th>${esc(k.key)}</th><td>${k.error > 0 ? `≤ ${k.ended}` : k.ended}</td><td>${k.failed}</td>` +
      `<td class="bar">${bar(k.ended - k.failed, 'ok')}${bar(k.failed, 'bad')}</td></tr>`,
  );
  return `<h2>Busiest keys (tasks ended per key)</h2>
<table id="keys"><tr><th>key</th><th>tasks ended</th><th>failed</th><th>succeeded <span class="ok" style="width:12px"></span> / failed <span class="bad" style="width:12px"></span></th></tr>
${rows.join('\n')}</table>
`;
}
