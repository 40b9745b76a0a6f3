#!/usr/bin/env node
/*
 * The rxjs-worker-pool command line: `run` a file of tasks through a handler, or `worker` and
 * `enqueue` on a BullMQ queue. Exit codes: 0 all succeeded, 1 some failed (or a worker's drain
 * was cut), 2 usage or config error, 128 + signal when interrupted (130 SIGINT, 143 SIGTERM).
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../index';
import { parseHaltOn } from './halt-policy';
import { UsageError } from './usage-error';
import type { CommandIo } from './run-command';

const io: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

const TRACE_HELP =
  'export OpenTelemetry spans (a task span, an attempt span per attempt) through the SDK that ' +
  'OTEL_* variables configure (OTEL_TRACES_EXPORTER=otlp|console, OTEL_EXPORTER_OTLP_ENDPOINT); ' +
  'needs @opentelemetry/api and @opentelemetry/sdk-node';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return n;
}

function nonNegativeMs(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 2_147_483_647) {
    throw new InvalidArgumentError('expected a number of ms from 0 to 2147483647');
  }
  return n;
}

function program(): Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's own version
  const { version } = require('../../package.json') as { version: string };
  const cli = new Command('rxjs-worker-pool')
    .description(
      'Run tasks through a concurrent worker pool: priorities, retries, deadlines, metrics.',
    )
    .version(version)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  const poolOptions = (command: Command): Command =>
    command
      .requiredOption(
        '--handler <file>',
        'module exporting (input, ctx) => output (default export or `handler`)',
      )
      .option('--config <file>', 'pool options, YAML or JSON (overrides WORKER_POOL_* variables)')
      .option(
        '--concurrency <n>',
        `tasks at once (overrides --config; default: one per CPU core, ${availableParallelism()} here)`,
        positiveInteger,
      )
      .option('--threads', 'run the handler on worker threads (CPU-bound work)')
      .option(
        '--batch <n>',
        'call the handler with up to n inputs at once (it takes an array and returns one output per input); each task keeps its own result',
        positiveInteger,
      )
      .option(
        '--batch-wait <ms>',
        'with --batch: how long a batch with room left waits for more tasks (default 0)',
        nonNegativeMs,
      )
      .option('--quiet', 'only errors and bad-line reports on stderr')
      .option('--trace', TRACE_HELP);

  poolOptions(
    cli
      .command('run')
      .description('run a JSONL file of tasks; results as JSONL on stdout (or --output)')
      .requiredOption('--input <file>', 'tasks, one JSON per line (`-` for stdin)'),
  )
    .option('--output <file>', 'results, one JSON per line (`-` for stdout, the default)')
    .option(
      '--remaining <file>',
      'the tasks that did not end, as input lines (always written; empty when none)',
    )
    .option('--report <file>', 'write a self-contained HTML report of the run')
    .option(
      '--resume',
      'skip the ids --output already holds as succeeded or failed, append the rest (the file is the journal)',
    )
    .option('--retry-failed', 'with --resume: run the ids that failed again')
    .option(
      '--halt-on <fail=N|fail=P%>',
      'stop dispatching once N tasks failed, or P % of ended ones (from 20 ended), drain, exit 1',
      parseHaltOn,
    )
    .action(async (flags) => {
      const { runCommand } = await import('./run-command');
      process.exitCode = await runCommand(flags, io, process.argv.slice(2));
    });

  poolOptions(
    cli
      .command('worker')
      .description('consume a BullMQ queue until SIGINT/SIGTERM, then drain')
      .requiredOption('--queue <name>', 'BullMQ queue name')
      .requiredOption('--redis <url>', 'redis://host:port'),
  )
    .option(
      '--lock-duration <ms>',
      "how long a job's lock lasts unless renewed; a dead worker's jobs return within twice this (default 30000)",
      positiveInteger,
    )
    .action(async (flags) => {
      const { workerCommand } = await import('./bullmq-commands');
      process.exitCode = await workerCommand(flags, io);
    });

  cli
    .command('enqueue')
    .description('add one BullMQ job per JSONL line')
    .requiredOption('--queue <name>', 'BullMQ queue name')
    .requiredOption('--redis <url>', 'redis://host:port')
    .requiredOption('--input <file>', 'tasks, one JSON per line (`-` for stdin)')
    .addOption(new Option('--quiet', 'no summary line'))
    .option('--trace', 'a producer span per job, continued by `worker --trace` (OTEL_* variables)')
    .action(async (flags) => {
      const { enqueueCommand } = await import('./bullmq-commands');
      process.exitCode = await enqueueCommand(flags, io);
    });
  return cli;
}

async function main(): Promise<void> {
  try {
    await program().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every usage mistake exits 2 (commander already said why).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`rxjs-worker-pool: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`rxjs-worker-pool: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
  // Whatever a handler left behind (sockets, timers) must not keep a finished run alive.
  process.stdout.write('', () => process.exit(process.exitCode ?? 0));
}

void main();
