/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate() bodies run in the browser: they need the DOM types.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { BusiestKeys } from '../../lib/cli/run-report';

const root = path.join(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium (`.ci/run` installs it); without it the spec skips loudly, unless CI. */
function chromiumAvailable(): boolean {
  return spawnSync(CHROMIUM, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** `run` on the echo handler with `--report`, as a child process; resolves its exit code. */
function runWithReport(
  input: string,
  output: string,
  report: string,
  flags: string[],
  env: NodeJS.ProcessEnv = {},
  handlerFile = 'echo.js',
): Promise<number | null> {
  // The build, as the package's bin runs it (kept current by the specs' global setup).
  const main = path.join(root, 'dist', 'cli', 'main.js');
  const handler = path.join(__dirname, 'fixtures', handlerFile);
  const args = ['run', '--handler', handler, '--input', input, '--report', report, '--quiet'];
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [main, ...args, '--output', path.join(path.dirname(report), output), ...flags],
      { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } },
    );
    child.on('close', resolve);
  });
}

describe('run --report, rendered in a real headless Chromium', function () {
  this.timeout(60_000);
  let dir: string;
  let browser: Browser | undefined;

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.REQUIRE_CHROMIUM === '1')
        throw new Error(`REQUIRE_CHROMIUM=1 but no ${CHROMIUM}`);
      console.warn(
        `\n  !!! ${CHROMIUM} not found: report spec SKIPPED (apt-get install chromium) !!!\n`,
      );
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'rwp-report-'));
    // The flags a sandboxed machine with a closed network needs (see the machine notes).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws its six charts (non-blank canvases) with no console errors, and the summary table', async () => {
    const tasks = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({
        id: `r${i}`,
        input: { waitMs: 2 + (i % 5) },
        priority: ['low', 'normal', 'high'][i % 3],
        key: `tenant-${i % 4 === 0 ? 'big' : i % 2}`,
      }),
    );
    const input = path.join(dir, 'tasks.jsonl');
    writeFileSync(input, tasks.join('\n'));
    const report = path.join(dir, 'run.html');
    const code = await runWithReport(input, 'out.jsonl', report, ['--concurrency', '4']);
    expect(code).to.equal(0);
    // Self-contained: no URL to fetch anything from.
    expect(readFileSync(report, 'utf8')).to.not.match(/<script[^>]+src=|<link[^>]+href=/);

    const page = await (browser as Browser).newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) errors.push(`network request: ${request.url()}`);
    });
    await page.goto(pathToFileURL(report).href);
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('.chart')].map((chart) => {
        const canvas = chart.querySelector('canvas');
        if (!canvas) return { id: chart.id, inked: 0 };
        const context = canvas.getContext('2d') as CanvasRenderingContext2D;
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        let inked = 0;
        // Pixels with any opacity: axes, grid and series lines; a blank canvas has none.
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
        return { id: chart.id, inked };
      }),
    );
    expect(charts.map((c) => c.id)).to.deep.equal([
      'throughput',
      'concurrency',
      'cpu',
      'queue',
      'wait',
      'run',
    ]);
    for (const chart of charts) expect(chart.inked, chart.id).to.be.greaterThan(500);
    const summary = await page.$$eval('#summary tr', (rows) =>
      Object.fromEntries(
        rows.map((row) => [
          row.querySelector('th')?.textContent,
          row.querySelector('td')?.textContent,
        ]),
      ),
    );
    expect(summary).to.include({
      'Exit code': '0',
      'Lines read': '400',
      Succeeded: '400',
      Failed: '0',
    });
    // Every axis has its label (units), and the static legends name series without the
    // empty "--" value boxes of a cursor legend.
    const described = await page.evaluate(
      () => (window as unknown as { reportCharts: { id: string; axes: string[] }[] }).reportCharts,
    );
    for (const chart of described) {
      expect(chart.axes, chart.id).to.have.length(2);
      for (const label of chart.axes) expect(label, chart.id).to.match(/\S/);
    }
    const legends = await page.$$eval('.u-legend', (nodes) =>
      nodes.map((n) => n.textContent ?? ''),
    );
    expect(legends).to.have.length(6);
    for (const legend of legends) expect(legend).to.not.contain('--');
    expect(legends[0]).to.contain('recent rate').and.contain('run average');
    expect(legends[1]).to.contain('limit').and.contain('running');
    // The pool's settings are in the summary.
    const settings = await page.$$eval('#settings tr', (rows) =>
      rows.map((row) => row.querySelector('th')?.textContent),
    );
    expect(settings).to.include.members(['concurrency', 'timeoutMs', 'retry.maxAttempts']);
    // The busiest keys, busiest first, each with its bar.
    const keys = await page.$$eval('#keys tr', (rows) =>
      rows.slice(1).map((row) => ({
        key: row.querySelector('th')?.textContent,
        ended: row.querySelectorAll('td')[0]?.textContent,
        bar: (row.querySelector('.ok') as HTMLElement | null)?.getBoundingClientRect().width ?? 0,
      })),
    );
    expect(keys.map((k) => [k.key, k.ended])).to.deep.equal([
      ['tenant-1', '200'],
      ['tenant-big', '100'],
      ['tenant-0', '100'],
    ]);
    expect(keys[0].bar).to.be.greaterThan(keys[1].bar * 1.5);
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  it('with --batch, charts the batch sizes too', async () => {
    const tasks = Array.from({ length: 600 }, (_, i) =>
      JSON.stringify({ id: `b${i}`, input: { waitMs: 5 } }),
    );
    const input = path.join(dir, 'batched.jsonl');
    writeFileSync(input, tasks.join('\n'));
    const report = path.join(dir, 'batched.html');
    const code = await runWithReport(
      input,
      'batched.jsonl',
      report,
      ['--concurrency', '2', '--batch', '20', '--batch-wait', '5'],
      {},
      'bulk.js',
    );
    expect(code).to.equal(0);
    const page = await (browser as Browser).newPage();
    await page.goto(pathToFileURL(report).href);
    const described = await page.evaluate(
      () =>
        (window as unknown as { reportCharts: { id: string; axes: string[]; series: string[] }[] })
          .reportCharts,
    );
    const batches = described.find((chart) => chart.id === 'batches');
    expect(batches?.axes).to.deep.equal(['seconds since the start', 'items per call']);
    expect(batches?.series).to.deep.equal(['mean', 'largest']);
    const inked = await page.$eval('#batches canvas', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const { data } = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        c.width,
        c.height,
      );
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      return ink;
    });
    expect(inked).to.be.greaterThan(500);
    const settings = await page.$$eval('#settings tr', (rows) =>
      rows.map((row) => [
        row.querySelector('th')?.textContent,
        row.querySelector('td')?.textContent,
      ]),
    );
    expect(settings).to.deep.include(['batch', 'up to 20 items a call, waiting up to 5 ms']);
    await page.close();
  });

  it('marks where the run was halted, on every chart and in the summary', async () => {
    const tasks = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ id: `h${i}`, input: { fail: true, waitMs: 3 } }),
    );
    const input = path.join(dir, 'failing.jsonl');
    writeFileSync(input, tasks.join('\n'));
    const report = path.join(dir, 'halted.html');
    const code = await runWithReport(input, 'halted.jsonl', report, ['--halt-on', 'fail=5'], {
      WORKER_POOL_RETRY_MAX_ATTEMPTS: '1',
    });
    expect(code).to.equal(1);
    const page = await (browser as Browser).newPage();
    await page.goto(pathToFileURL(report).href);
    const marks = await page.$$eval('#summary tr', (rows) =>
      rows
        .map((row): [string, string] => [
          row.querySelector('th')?.textContent ?? '',
          row.querySelector('td')?.textContent ?? '',
        ])
        .filter(([key]) => key.startsWith('Marked at')),
    );
    expect(marks).to.have.length(1);
    expect(marks[0][1]).to.match(/^halt: \d+ tasks failed \(--halt-on fail=5\)$/);
    // The marker is drawn on each chart, in its own colour (#c000c0), which no series uses.
    const markerInk = await page.evaluate(() =>
      [...document.querySelectorAll('.chart canvas')].map((canvas) => {
        const c = canvas as HTMLCanvasElement;
        const context = c.getContext('2d') as CanvasRenderingContext2D;
        const { data } = context.getImageData(0, 0, c.width, c.height);
        let marker = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] > 150 && data[i + 1] < 40 && data[i + 2] > 150 && data[i + 3] > 200) marker++;
        }
        return marker;
      }),
    );
    for (const ink of markerInk) expect(ink).to.be.greaterThan(20);
    await page.close();
  });
});

describe('run report: the busiest keys in bounded memory', () => {
  it('counts exactly while the keys fit, and keeps a heavy hitter among a million others', () => {
    const exact = new BusiestKeys();
    for (let i = 0; i < 50; i++) exact.add(`k${i % 5}`, i % 10 === 0);
    expect(exact.top(2)).to.deep.equal([
      { key: 'k0', ended: 10, failed: 5, error: 0 },
      { key: 'k1', ended: 10, failed: 0, error: 0 },
    ]);
    const many = new BusiestKeys();
    for (let i = 0; i < 1_000_000; i++) many.add(i % 5 === 0 ? 'noisy' : `key-${i}`, false);
    const [top] = many.top(1);
    expect(top.key).to.equal('noisy');
    // Space-Saving overcounts by at most its error, and never undercounts.
    expect(top.ended - top.error).to.be.at.most(200_000);
    expect(top.ended).to.be.at.least(200_000);
  });
});
