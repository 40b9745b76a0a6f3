// In your own code: import { ... } from 'rxjs-worker-pool';
import { from } from 'rxjs';
import { WorkerPool, formatMetrics, priorityName, type PriorityName } from '../lib';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A simulated job: "resizing" an image takes a few tens of milliseconds.
let running = 0;
async function resizeImage(name: string): Promise<string> {
  running++;
  try {
    await sleep(40);
    return `${name} (resized)`;
  } finally {
    running--;
  }
}

async function main(): Promise<void> {
  const pool = new WorkerPool<string, string>({
    handler: resizeImage,
    concurrency: 3, // at most 3 images are resized at the same time
    logging: { level: 'silent' }, // keep the pool's JSON logs out of this demo
  });

  // 1. Priorities: queue 8 tasks while the pool is paused, then let it go.
  console.log('1) Priorities: 8 tasks queued at once, 2 per priority, 3 run at a time.');
  const startOrder: string[] = [];
  const events = pool.events$.subscribe((event) => {
    if (event.type === 'started' && event.priority !== undefined) {
      startOrder.push(`${event.taskId}(${priorityName(event.priority)})`);
    }
  });
  pool.pause();
  const levels: PriorityName[] = ['low', 'normal', 'high', 'critical'];
  const jobs = [1, 2].flatMap((round) =>
    levels.map((priority) =>
      pool.submit(`image-${priority}-${round}`, { id: `${priority}-${round}`, priority }),
    ),
  );
  console.log('   submitted in this order: ' + levels.join(', ') + ', then the same again');
  pool.resume();
  await Promise.all(jobs);
  events.unsubscribe();
  console.log('   they started in this order (highest priority first):');
  console.log('   ' + startOrder.join(' -> '));

  // 2. A stream of inputs: process() turns each item into a task and emits its result.
  console.log('\n2) A stream of 6 photos; thumbnails get priority "high", the rest "low".');
  console.log('   The first 3 start at once; of the waiting ones, thumbnails jump the queue.');
  const photos = ['cat.jpg', 'beach.jpg', 'city.jpg', 'park.jpg', 'thumb-dog.jpg', 'thumb-sun.jpg'];
  await new Promise<void>((done) =>
    pool
      .process(from(photos), {
        priority: (name) => (name.startsWith('thumb-') ? 'high' : 'low'),
      })
      .subscribe({
        next: (r) =>
          console.log(
            `   ${r.status}: ${r.value} [priority ${priorityName(r.task.priority)}, ` +
              `waited ${Math.round(r.waitMs)} ms]`,
          ),
        complete: done,
      }),
  );

  // 3. Change the concurrency while tasks are running.
  console.log('\n3) Changing the concurrency while 12 tasks are running.');
  const peak = { value: 0 };
  const watch = setInterval(() => (peak.value = Math.max(peak.value, running)), 5);
  pool.setConcurrency(1);
  const batch = Array.from({ length: 12 }, (_, i) => pool.submit(`batch-${i + 1}`));
  await sleep(150);
  console.log(`   with concurrency 1: at most ${peak.value} resize(s) at the same time`);
  pool.setConcurrency(6);
  peak.value = 0;
  await Promise.all(batch);
  clearInterval(watch);
  console.log(`   raised to 6:        at most ${peak.value} resize(s) at the same time`);

  // 4. A metrics snapshot: counts, queue, workers and latency percentiles.
  console.log('\n4) Metrics snapshot (process CPU is sampled only while metrics$ is watched):');
  console.log(formatMetrics(pool.metrics()).replace(/^/gm, '   '));

  // 5. Shut down: stop accepting work, let queued and running tasks finish, report.
  pool.submit('last-one.jpg').catch(() => undefined); // still accepted: it drains
  const report = await pool.shutdown({ timeoutMs: 2000 });
  console.log('\n5) Shutdown report:');
  console.log(
    `   ${report.completed} tasks completed, ${report.aborted.length} aborted, ` +
      `${report.cancelled.length} cancelled; took ${Math.round(report.durationMs)} ms; ` +
      `deadline hit: ${report.timedOut ? 'yes' : 'no'}`,
  );
  await pool.submit('too-late.jpg').catch((error: Error) => {
    console.log(`   submitting after shutdown fails with ${error.name}: ${error.message}`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
