/**
 * Scaling out: one producer and two consumer processes sharing a BullMQ queue on Redis.
 *
 *   npx ts-node --transpile-only samples/scaling-out.ts
 *
 * Uses REDIS_URL when set; otherwise starts a throwaway redis-server (Debian package
 * `redis-server`) on a free loopback port, and skips with a message when there is none.
 * The producer adds 300 jobs at mixed priorities; each consumer is a WorkerPool fed by
 * consumeBullMQ; at the end both get SIGTERM, as in a deploy, and drain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Queue, QueueEvents } from 'bullmq';
import { WorkerPool, type PriorityName } from '../lib';
import { consumeBullMQ, toBullMQPriority } from '../lib/bullmq';
import { redisServerAvailable, startRedisServer } from './support/local-redis';

interface Email {
  to: string;
  subject: string;
}

/** A consumer process: a pool with its own concurrency, fed from the queue until SIGTERM. */
function consumer(url: string, queueName: string, name: string): void {
  const pool = new WorkerPool<Email, string>({
    concurrency: 8,
    // Simulated I/O: "sending" takes a few milliseconds.
    handler: (email) =>
      new Promise((resolve) =>
        setTimeout(() => resolve(`sent to ${email.to}`), 2 + Math.random() * 4),
      ),
    handleSignals: true, // SIGTERM: stop fetching, drain, return unstarted jobs, exit
    shutdown: { timeoutMs: 5_000 },
  });
  let done = 0;
  consumeBullMQ(pool, { queueName, connection: { url } }).subscribe({
    next: () => {
      if (++done % 50 === 0) console.log(`${name} ${done}`);
    },
    complete: () => console.log(`${name} drained after ${done} jobs`),
  });
  console.log(`${name} ready`);
}

async function producer(url: string): Promise<void> {
  const queueName = `emails-${process.pid}`;
  const connection = { url }; // BullMQ 6 takes a redis:// URL too
  const queue = new Queue<Email>(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });

  // Two consumer processes: this file, run with `consumer`.
  const consumers: ChildProcess[] = ['consumer-a', 'consumer-b'].map((name) =>
    spawn(process.execPath, [...process.execArgv, __filename, 'consumer', url, queueName, name], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const counts = new Map<string, number>();
  const ready = consumers.map(
    (child) =>
      new Promise<void>((resolve) =>
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const [name, what] = line.split(' ');
          if (what === 'ready') resolve();
          else if (what === 'drained') counts.set(name, Number(line.split(' ')[3]));
        }),
      ),
  );
  await Promise.all(ready);

  const total = 300;
  let completed = 0;
  const allDone = new Promise<void>((resolve) =>
    events.on('completed', () => {
      if (++completed === total) resolve();
    }),
  );
  await events.waitUntilReady();
  const levels: PriorityName[] = ['low', 'normal', 'normal', 'high', 'critical'];
  const started = Date.now();
  await queue.addBulk(
    Array.from({ length: total }, (_, i) => ({
      name: 'send',
      data: { to: `user${i}@example.com`, subject: 'Welcome' },
      opts: { jobId: `email-${i}`, priority: toBullMQPriority(levels[i % levels.length]) },
    })),
  );
  await allDone;
  console.log(`${total} jobs completed by 2 consumers in ${Date.now() - started} ms`);

  // A deploy: SIGTERM to both; each stops fetching, drains, and exits by itself.
  const exited = consumers.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of consumers) child.kill('SIGTERM');
  const codes = await Promise.all(exited);
  console.log(
    `consumers exited with ${codes.join(', ')}; jobs per consumer: ${[...counts].map(([n, c]) => `${n} ${c}`).join(', ')}`,
  );
  const left = await queue.getJobCounts('waiting', 'active', 'failed', 'completed');
  console.log(`queue: ${JSON.stringify(left)}`);
  await events.close();
  await queue.close();
}

async function main(): Promise<void> {
  const [role, ...rest] = process.argv.slice(2);
  if (role === 'consumer') return consumer(rest[0], rest[1], rest[2]);
  if (process.env.REDIS_URL) return producer(process.env.REDIS_URL);
  if (!redisServerAvailable()) {
    console.log(
      'No REDIS_URL and no redis-server on PATH (apt-get install redis-server): skipped.',
    );
    return;
  }
  const server = await startRedisServer();
  try {
    await producer(server.url);
  } finally {
    await server.stop();
  }
}

void main();
