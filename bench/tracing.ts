/**
 * The cost of tracing (issue 24): W1 (200k no-op tasks at concurrency 64, timeout + retry +
 * metrics, random priorities) without tracing, with `withTracing` on a registered tracer that
 * samples everything out, and with every span recorded to an in-memory exporter; beside it,
 * p-queue without spans and with the same two spans per task made by hand (a `task` span with
 * its attributes and events, an `attempt` span active around the call). Each sample runs in a
 * fresh process; rounds are interleaved.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/tracing.ts [--quick] [--rounds N]
 */
import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { WorkerPool } from '../lib/pool/worker-pool';
import { priorityName, type Priority } from '../lib/task/priority';
import { withTracing } from '../lib/tracing';
import {
  fmtCount,
  fmtRatio,
  isolatedCase,
  markdownTable,
  med,
  parseArgs,
  perSecond,
  publishReport,
  runChildCase,
  runInterleaved,
  type Rate,
} from './harness';
import { CONCURRENCY, noop, poolOptions, randomPriorities, submitAll, PQueue } from './workloads';

const args = parseArgs();
const SIZE = args.quick ? 50_000 : 200_000;
const ROUNDS = args.rounds ?? (args.quick ? 3 : 7);

const CASES = {
  plain: 'W1 pool, no tracing',
  sdkOnly: 'W1 pool, no tracing, the SDK registered (async-hooks contexts)',
  sampledOut: 'W1 pool + withTracing, tracer sampling everything out',
  recorded: 'W1 pool + withTracing, every span recorded (in memory)',
  pQueue: 'p-queue, no spans',
  pQueueSpans: 'p-queue + the same spans by hand, recorded (in memory)',
} as const;
type CaseName = (typeof CASES)[keyof typeof CASES];

/** The application's SDK, as a traced service registers it: async-hooks contexts, a provider. */
function registerSdk(sampledOut: boolean): { tracer: Tracer; exporter: InMemorySpanExporter } {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider(
    sampledOut
      ? { sampler: new AlwaysOffSampler() }
      : { spanProcessors: [new SimpleSpanProcessor(exporter)] },
  );
  trace.setGlobalTracerProvider(provider);
  return { tracer: provider.getTracer('bench'), exporter };
}

const PRIORITIES = randomPriorities(SIZE);
const prio = (i: number): Priority => PRIORITIES[i] as Priority;

/** One W1 run through a pool (traced or not); checks every task succeeded. */
function poolBody(
  traced: 'no' | 'sdk-only' | 'sampled-out' | 'recorded',
): (n: number) => Promise<Rate> {
  const registered = traced === 'no' ? undefined : registerSdk(traced === 'sampled-out');
  const sdk = traced === 'sdk-only' ? undefined : registered;
  return async (n) => {
    const plain = new WorkerPool<number, void>(poolOptions('full', noop));
    const pool = sdk === undefined ? plain : withTracing(plain, { tracer: sdk.tracer });
    const rate = await perSecond(n, () => submitAll(pool, n, prio));
    const { succeeded } = pool.metrics();
    await pool.shutdown();
    if (succeeded !== n) throw new Error(`${succeeded} of ${n} tasks succeeded`);
    if (traced === 'recorded' && sdk?.exporter.getFinishedSpans().length !== 2 * n) {
      throw new Error(`${sdk?.exporter.getFinishedSpans().length} spans for ${n} tasks`);
    }
    sdk?.exporter.reset();
    return rate;
  };
}

/** p-queue with what withTracing records, made by hand around each task. */
function pQueueBody(spans: boolean): (n: number) => Promise<Rate> {
  const sdk = spans ? registerSdk(false) : undefined;
  return async (n) => {
    const queue = new PQueue({ concurrency: CONCURRENCY });
    const rate = await perSecond(n, async () => {
      if (sdk === undefined) {
        for (let i = 0; i < n; i++) void queue.add(noop, { priority: prio(i) });
      } else {
        const { tracer } = sdk;
        for (let i = 0; i < n; i++) void queue.add(tracedTask(tracer, i), { priority: prio(i) });
      }
      await queue.onIdle();
    });
    if (sdk !== undefined) {
      const count = sdk.exporter.getFinishedSpans().length;
      if (count !== 2 * n) throw new Error(`${count} spans for ${n} tasks`);
      sdk.exporter.reset();
    }
    return rate;
  };
}

/** A task span from the add, an attempt span active around the call: withTracing's two. */
function tracedTask(tracer: Tracer, i: number): () => Promise<void> {
  const queuedAt = performance.now();
  const parent = context.active();
  const task: Span = tracer.startSpan(
    'task',
    {
      attributes: {
        'worker_pool.task.id': String(i),
        'worker_pool.task.priority': priorityName(prio(i)),
      },
    },
    parent,
  );
  task.addEvent('queued');
  const taskContext = trace.setSpan(parent, task);
  return async () => {
    task.addEvent('started', { 'worker_pool.attempt': 1 });
    const attempt = tracer.startSpan(
      'attempt',
      { attributes: { 'worker_pool.attempt': 1 } },
      taskContext,
    );
    try {
      await context.with(trace.setSpan(taskContext, attempt), noop);
    } finally {
      attempt.end();
      task.setAttributes({
        'worker_pool.task.status': 'succeeded',
        'worker_pool.task.attempts': 1,
        'worker_pool.task.wait_ms': performance.now() - queuedAt,
      });
      task.end();
    }
  };
}

const BODIES: Record<CaseName, () => (n: number) => Promise<Rate>> = {
  [CASES.plain]: () => poolBody('no'),
  [CASES.sdkOnly]: () => poolBody('sdk-only'),
  [CASES.sampledOut]: () => poolBody('sampled-out'),
  [CASES.recorded]: () => poolBody('recorded'),
  [CASES.pQueue]: () => pQueueBody(false),
  [CASES.pQueueSpans]: () => pQueueBody(true),
};

async function main(): Promise<void> {
  const names = Object.values(CASES);
  const results = await runInterleaved(
    names.map((name) => isolatedCase(name, SIZE, __filename)),
    {
      rounds: ROUNDS,
      onSample: (name, round, m) =>
        process.stderr.write(`  [round ${round + 1}] ${name}: ${fmtCount((m as Rate).tps)}/s\n`),
    },
  );
  const tps = (name: CaseName): number => med(results, name, 'tps');
  /** Microseconds a task costs more than in `base`, from the medians. */
  const extraUs = (name: CaseName, base: CaseName): string =>
    `${((1 / tps(name) - 1 / tps(base)) * 1e6).toFixed(2)} µs`;
  const report = [
    '# Tracing — the cost of spans',
    '',
    `${fmtCount(SIZE)} no-op tasks, concurrency ${CONCURRENCY}, random priorities; ${ROUNDS} interleaved rounds, each sample in a fresh process (median tasks/s). ` +
      'The SDK is @opentelemetry/sdk-trace-base with the async-hooks context manager; "recorded" keeps both spans of every task (task + attempt) in an in-memory exporter.',
    '',
    markdownTable(
      ['case', 'tasks/s', 'vs its untraced run', 'cost per task'],
      [
        [CASES.plain, fmtCount(tps(CASES.plain)), '1.00x', '–'],
        [
          CASES.sdkOnly,
          fmtCount(tps(CASES.sdkOnly)),
          fmtRatio(tps(CASES.sdkOnly) / tps(CASES.plain)),
          extraUs(CASES.sdkOnly, CASES.plain),
        ],
        [
          CASES.sampledOut,
          fmtCount(tps(CASES.sampledOut)),
          fmtRatio(tps(CASES.sampledOut) / tps(CASES.plain)),
          extraUs(CASES.sampledOut, CASES.plain),
        ],
        [
          CASES.recorded,
          fmtCount(tps(CASES.recorded)),
          fmtRatio(tps(CASES.recorded) / tps(CASES.plain)),
          extraUs(CASES.recorded, CASES.plain),
        ],
        [CASES.pQueue, fmtCount(tps(CASES.pQueue)), '1.00x', '–'],
        [
          CASES.pQueueSpans,
          fmtCount(tps(CASES.pQueueSpans)),
          fmtRatio(tps(CASES.pQueueSpans) / tps(CASES.pQueue)),
          extraUs(CASES.pQueueSpans, CASES.pQueue),
        ],
      ],
    ),
    '',
    `Target: a sampled-out tracer at least 0.9x W1: ${fmtRatio(tps(CASES.sampledOut) / tps(CASES.plain))}.`,
  ].join('\n');
  publishReport('tracing', 'Tracing', report, args);
}

/** Child mode (`--case NAME --size N`): one sample, in a fresh process. */
async function child(name: string, size: number): Promise<void> {
  const make = BODIES[name as CaseName];
  if (make === undefined) throw new Error(`Unknown case ${name}`);
  await runChildCase(make(), size, Math.max(5_000, size / 10));
}

(args.caseName === undefined ? main() : child(args.caseName, args.size ?? SIZE)).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
