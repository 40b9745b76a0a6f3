/**
 * Tiny benchmark harness: interleaved rounds of named cases, medians and min–max, ratios,
 * and a Markdown writer. No dependencies beyond Node.
 *
 * A case is an async function that returns one measured number (tasks/s, bytes, ...) or a
 * record of named numbers (e.g. `{ p50, p99 }`). Every round runs every case once, in an order
 * rotated by one per round, so slow drift (JIT, heap growth, thermal) spreads over all cases
 * instead of favouring whichever runs first. The garbage collector is forced before each case
 * when Node runs with `--expose-gc`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** One measured number, or several named ones. */
export type Measurement = number | Record<string, number>;

/** A named benchmark case. */
export interface BenchCase {
  name: string;
  run: () => Promise<Measurement>;
}

/** Median and range of one metric of one case. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/** metric name → summary; a case that returns a plain number has the single metric `value`. */
export type CaseSummary = Record<string, Summary>;

/** case name → its summaries. */
export type Results = Map<string, CaseSummary>;

/** Command-line flags shared by the suite. */
export interface BenchArgs {
  quick: boolean;
  /** Workload ids to run (`W1`, `W3`, ...); empty means all. */
  only: string[];
  /** Where RESULTS.md goes. */
  out: string | undefined;
  /** Overrides the number of rounds of every workload. */
  rounds: number | undefined;
  /** Runs every throughput sample in this process instead of a fresh child process each. */
  inProcess: boolean;
  /** Child mode: the one case to run (set by {@link isolatedCase}, not by hand). */
  caseName: string | undefined;
  /** Child mode: its size. */
  size: number | undefined;
}

/** Parses `--quick`, `--only W1,W4`, `--rounds N`, `--out FILE`, `--in-process`. */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const args: BenchArgs = {
    quick: false,
    only: [],
    out: undefined,
    rounds: undefined,
    inProcess: false,
    caseName: undefined,
    size: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only')
      args.only = value()
        .split(',')
        .map((s) => s.trim().toUpperCase());
    else if (arg === '--out') args.out = value();
    else if (arg === '--rounds') args.rounds = Number(value());
    else if (arg === '--in-process') args.inProcess = true;
    else if (arg === '--case') args.caseName = value();
    else if (arg === '--size') args.size = Number(value());
    else
      throw new Error(
        `Unknown argument ${arg} (expected --quick, --only W1,W2, --rounds N, --out FILE, --in-process)`,
      );
  }
  return args;
}

/** Runs a full GC when Node was started with `--expose-gc`; a no-op otherwise. */
export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc(); // a second pass collects what the first one's finalizers released
  }
}

export const gcAvailable = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

/** Lets pending timers and I/O callbacks run (e.g. a pool's teardown) before the next case. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Median of a list of numbers (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile (0..1) of a sorted array, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    samples: [...samples],
  };
}

export interface RunOptions {
  rounds: number;
  /** Rounds run first and thrown away (JIT warm-up). Defaults to 0. */
  warmupRounds?: number;
  /** Cases to run in warm-up rounds (e.g. smaller variants); defaults to `cases`. */
  warmupCases?: BenchCase[];
  /** Called after every measured sample, for progress output. */
  onSample?: (name: string, round: number, measurement: Measurement) => void;
}

/**
 * Runs `rounds` interleaved rounds of `cases` and summarizes each case's samples.
 * Round r starts at case r mod n, so every case takes every position in turn.
 */
export async function runInterleaved(
  cases: readonly BenchCase[],
  options: RunOptions,
): Promise<Results> {
  const warmup = options.warmupCases ?? cases;
  for (let r = 0; r < (options.warmupRounds ?? 0); r++) {
    for (const c of warmup) {
      forceGc();
      await c.run();
      await settle();
    }
  }
  const samples = new Map<string, Map<string, number[]>>(cases.map((c) => [c.name, new Map()]));
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(r + k) % cases.length];
      forceGc();
      const measurement = await c.run();
      await settle();
      const perMetric = samples.get(c.name) as Map<string, number[]>;
      const record = typeof measurement === 'number' ? { value: measurement } : measurement;
      for (const [metric, value] of Object.entries(record)) {
        let list = perMetric.get(metric);
        if (!list) perMetric.set(metric, (list = []));
        list.push(value);
      }
      options.onSample?.(c.name, r, measurement);
    }
  }
  const results: Results = new Map();
  for (const [name, perMetric] of samples) {
    const summary: CaseSummary = {};
    for (const [metric, values] of perMetric) summary[metric] = summarize(values);
    results.set(name, summary);
  }
  return results;
}

/** The median of `metric` (default `value`) of case `name`; throws if it was not measured. */
export function med(results: Results, name: string, metric = 'value'): number {
  const summary = results.get(name)?.[metric];
  if (!summary) throw new Error(`No samples for ${name}.${metric}`);
  return summary.median;
}

/** Work per second of wall time (`tps`) and per second of this process's CPU time (`cpu`). */
export interface Rate {
  [metric: string]: number;
  tps: number;
  cpu: number;
}

/**
 * Times an async body: `count` per second of wall time, and per second of CPU time (user +
 * system, all threads of this process, GC helpers included). The CPU rate holds up better
 * when other processes compete for the cores; the wall rate is what a user sees.
 */
export async function perSecond(count: number, body: () => Promise<unknown>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await body();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { tps: (count * 1000) / wallMs, cpu: (count * 1000) / cpuMs };
}

/* Isolation: one fresh process per sample */

/**
 * A case whose every sample runs in a fresh child process: the same Node flags as this one
 * (`process.execArgv`), a warm-up run inside the child, then the measured runs
 * ({@link runChildCase}). In one long
 * process the order of cases moved a pool's figures by up to 30 % (see bench/README.md,
 * "Isolation"); a fresh process gives every case the same start.
 *
 * The child is this same script with `--case NAME --size N`; it must answer with
 * {@link runChildCase}, which prints the measurement as the last line of its stdout.
 */
export function isolatedCase(
  name: string,
  size: number,
  script: string,
  /** Node flags added to this process's own for this case (e.g. `--max-semi-space-size=64`). */
  extraFlags: readonly string[] = [],
): BenchCase {
  const label = extraFlags.length > 0 ? `${name} [${extraFlags.join(' ')}]` : name;
  return {
    name: label,
    run: () =>
      new Promise<Measurement>((resolveRun, rejectRun) => {
        execFile(
          process.execPath,
          [...process.execArgv, ...extraFlags, script, '--case', name, '--size', String(size)],
          { maxBuffer: 16 * 2 ** 20, env: { ...process.env, BENCH_HEAP_REEXEC: '1' } },
          (error, stdout, stderr) => {
            if (error) {
              rejectRun(new Error(`${label} (child process): ${error.message}\n${stderr}`));
              return;
            }
            const lines = stdout.trim().split('\n');
            try {
              resolveRun(JSON.parse(lines[lines.length - 1]) as Measurement);
            } catch {
              rejectRun(new Error(`${label} (child process) printed no measurement:\n${stdout}`));
            }
          },
        );
      }),
  };
}

/**
 * Child mode of {@link isolatedCase}: one warm-up run at `warmupSize` (JIT), then two measured
 * runs at `size` with a forced GC before each. The second is the measurement (a process that
 * has already done this work once: what a long-lived service sees); the first run's metrics
 * come along with a `first` prefix (`firstTps`), since some queues are much faster on a fresh
 * heap than on their second run and the report shows both.
 */
export async function runChildCase(
  body: (size: number) => Promise<Measurement>,
  size: number,
  warmupSize: number,
): Promise<void> {
  await body(warmupSize);
  forceGc();
  await settle();
  const first = await body(size);
  forceGc();
  await settle();
  const second = await body(size);
  const record: Record<string, number> =
    typeof second === 'number' ? { value: second } : { ...second };
  const firstRecord = typeof first === 'number' ? { value: first } : first;
  for (const [metric, value] of Object.entries(firstRecord)) {
    record[`first${metric[0].toUpperCase()}${metric.slice(1)}`] = value;
  }
  process.stdout.write(`\n${JSON.stringify(record)}\n`);
}

/* Formatting */

/** 1234567 → "1.23M", 65432 → "65.4k", 812 → "812". */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(abs >= 1e7 ? 1 : 2)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(abs >= 1e5 ? 0 : 1)}k`;
  return abs >= 100 ? n.toFixed(0) : n.toFixed(abs >= 10 ? 1 : 2);
}

/** Milliseconds with a sensible number of decimals. */
export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3);
}

export function fmtBytes(n: number): string {
  return Number.isFinite(n) ? n.toFixed(0) : String(n);
}

export function fmtRatio(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return `${n >= 10 ? n.toFixed(1) : n.toFixed(2)}x`;
}

/** "median (min–max)" of one summary with a formatter. */
export function fmtSummary(summary: Summary | undefined, fmt: (n: number) => string): string {
  if (!summary) return '–';
  if (summary.samples.length === 1) return fmt(summary.median);
  return `${fmt(summary.median)} (${fmt(summary.min)}–${fmt(summary.max)})`;
}

/** A GitHub-flavoured Markdown table; cells are escaped for `|`. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ('l' | 'r')[],
): string {
  const esc = (cell: string): string => cell.replace(/\|/g, '\\|');
  const sep = headers.map((_, i) =>
    (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : ':---',
  );
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${sep.join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** One machine description line set, for RESULTS.md. */
export function machineDescription(): string[] {
  const list = cpus();
  const model = list[0]?.model.trim() ?? 'unknown CPU';
  return [
    `- CPU: ${model} × ${list.length}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${platform()} ${release()} (${arch()})`,
    `- Node: ${process.version} (V8 ${process.versions.v8}), heap limit ${(getHeapStatistics().heap_size_limit / 2 ** 20).toFixed(0)} MiB`,
  ];
}

/** A section of the report: a heading, a note and a table. */
export interface Section {
  title: string;
  note?: string;
  table: string;
}

/** Collects sections, prints each as it is added, and renders the whole report. */
export class Report {
  readonly sections: Section[] = [];

  add(section: Section): void {
    this.sections.push(section);
    console.log(`\n## ${section.title}\n`);
    if (section.note) console.log(`${section.note}\n`);
    console.log(section.table);
  }

  render(header: string[]): string {
    const parts = [...header, ''];
    for (const s of this.sections) {
      parts.push(`## ${s.title}`, '');
      if (s.note) parts.push(s.note, '');
      parts.push(s.table, '');
    }
    return parts.join('\n');
  }
}

/* Sections other scripts own in RESULTS.md */

const sectionMarks = (name: string): [string, string] => [
  `<!-- section ${name}: written by bench/${name}.ts -->`,
  `<!-- end of section ${name} -->`,
];

/**
 * Puts `content` into RESULTS.md between its section's marks (appended the first time), so
 * threads.ts and bullmq.ts keep their tables beside throughput.ts's in the one report.
 */
export function writeResultsSection(file: string, name: string, content: string): void {
  const [start, end] = sectionMarks(name);
  const block = `${start}\n\n${content.trim()}\n\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next =
    from !== -1 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** The sections of RESULTS.md that other scripts wrote: kept when throughput.ts rewrites it. */
export function resultsSections(file: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const first = text.indexOf('<!-- section ');
  return first === -1 ? '' : `\n${text.slice(first).trim()}\n`;
}

/**
 * Prints a script's report and writes it beside RESULTS.md as `<NAME>.md`; a full run (no
 * `--quick`, no `--rounds`) also puts it into RESULTS.md as the section `name`, headed `title`.
 * A partial run writes `<NAME>.partial.md` (git-ignored) and leaves RESULTS.md alone.
 */
export function publishReport(name: string, title: string, report: string, args: BenchArgs): void {
  console.log(report);
  const partial = args.quick || args.rounds !== undefined;
  const dir = __dirname;
  const file = `${name.toUpperCase()}${partial ? '.partial' : ''}.md`;
  writeFileSync(`${dir}/${file}`, report);
  if (partial) return;
  // In RESULTS.md the report's headings sit one level lower, under the section's title.
  const section = report.replace(/^# .*\n/, `## ${title}\n`).replace(/^## ([TB]\d)/gm, '### $1');
  writeResultsSection(`${dir}/RESULTS.md`, name, section);
}
