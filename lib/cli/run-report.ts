import { readFileSync, writeFileSync } from 'node:fs';
import type { PoolMetrics } from '../metrics/pool-metrics';

/** One point of the run's time series, taken from a metrics snapshot. */
export interface ReportSample {
  /** Seconds since the run started. */
  t: number;
  throughput: number;
  concurrency: number;
  cpu: number | null;
  active: number;
  critical: number;
  high: number;
  normal: number;
  low: number;
  runP50: number;
  runP90: number;
  runP99: number;
  waitP99: number;
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
}

/** Collects samples during a run; writes the page at the end. */
export class RunReport {
  readonly samples: ReportSample[] = [];
  readonly #startedAt: number;
  #previous = { at: 0, completed: 0 };

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
    this.#previous.at = startedAt;
  }

  /** A point from a snapshot; throughput is measured between points, not taken from it. */
  add(metrics: PoolMetrics, now: number): void {
    const q = metrics.queuedByPriority;
    const run = metrics.latency.runMs;
    const completed = metrics.succeeded + metrics.failed;
    const seconds = (now - this.#previous.at) / 1000;
    const throughput = seconds > 0 ? (completed - this.#previous.completed) / seconds : 0;
    this.#previous = { at: now, completed };
    this.samples.push({
      t: Math.round((now - this.#startedAt) / 100) / 10,
      throughput: Math.round(throughput * 10) / 10,
      concurrency: metrics.concurrency,
      cpu:
        metrics.system.sampledAt === undefined
          ? null
          : Math.round(metrics.system.cpuPercent * 10) / 10,
      active: metrics.active,
      critical: q.critical,
      high: q.high,
      normal: q.normal,
      low: q.low,
      runP50: run.p50,
      runP90: run.p90,
      runP99: run.p99,
      waitP99: metrics.latency.waitMs.p99,
    });
  }

  write(file: string, summary: RunSummary): void {
    writeFileSync(file, renderReport(this.samples, summary));
  }
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

/** One self-contained HTML page: four charts over the run and its summary table. */
export function renderReport(samples: readonly ReportSample[], summary: RunSummary): string {
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
  ];
  // `</script>` inside the data would end the script element early.
  const data = JSON.stringify(samples).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rxjs-worker-pool run report</title>
<style>${css}
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
.chart { margin: 8px 0 16px; }
</style>
</head>
<body>
<h1>rxjs-worker-pool run report</h1>
<table id="summary">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<h2>Throughput (tasks completed per second)</h2><div class="chart" id="throughput"></div>
<h2>Concurrency limit, running attempts and process CPU (%)</h2><div class="chart" id="concurrency"></div>
<h2>Queue depth by priority</h2><div class="chart" id="queue"></div>
<h2>Latency percentiles (ms, cumulative)</h2><div class="chart" id="latency"></div>
<script>${js}</script>
<script>
const samples = ${data};
const t = samples.map((s) => s.t);
const col = (key) => samples.map((s) => s[key]);
const width = Math.min(960, document.body.clientWidth - 16);
function chart(id, series, scales) {
  const el = document.getElementById(id);
  const opts = {
    width, height: 240,
    scales: Object.assign({ x: { time: false }, y: { auto: true } }, scales || {}),
    axes: [{ label: 'seconds' }, { scale: 'y' }].concat(series.some((s) => s.scale === 'pct') ? [{ scale: 'pct', side: 1, grid: { show: false } }] : []),
    series: [{ label: 's' }].concat(series.map((s) => ({ label: s.label, stroke: s.color, width: 2, scale: s.scale || 'y', spanGaps: true }))),
  };
  new uPlot(opts, [t].concat(series.map((s) => col(s.key))), el);
}
chart('throughput', [{ key: 'throughput', label: 'tasks/s', color: '#1f77b4' }]);
chart('concurrency', [
  { key: 'concurrency', label: 'limit', color: '#2ca02c' },
  { key: 'active', label: 'running', color: '#9467bd' },
  { key: 'cpu', label: 'CPU %', color: '#d62728', scale: 'pct' },
], { pct: { auto: true } });
chart('queue', [
  { key: 'critical', label: 'critical', color: '#d62728' },
  { key: 'high', label: 'high', color: '#ff7f0e' },
  { key: 'normal', label: 'normal', color: '#1f77b4' },
  { key: 'low', label: 'low', color: '#7f7f7f' },
]);
chart('latency', [
  { key: 'runP50', label: 'run p50', color: '#2ca02c' },
  { key: 'runP90', label: 'run p90', color: '#ff7f0e' },
  { key: 'runP99', label: 'run p99', color: '#d62728' },
  { key: 'waitP99', label: 'wait p99', color: '#9467bd' },
]);
</script>
</body>
</html>
`;
}
