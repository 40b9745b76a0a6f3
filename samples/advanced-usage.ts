// In your own code: import { ... } from 'rxjs-worker-pool';
import {
  CircuitOpenError,
  TaskTimeoutError,
  WorkerPool,
  withCircuitBreaker,
  type TaskContext,
} from '../lib';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const since = (t0: number) => `${String(Date.now() - t0).padStart(4)} ms`;

// A small seeded random generator, so the fake service misbehaves much the same way on every run.
let seed = Number(process.env.SEED ?? 8);
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

/**
 * A flaky fake service: about 40 % of calls fail, 15 % hang until aborted, the rest answer
 * after 10 ms. It honours the AbortSignal: when the pool's timeout aborts a hanging call, the
 * call stops at once instead of running on in the background.
 */
function flakyService(order: string, signal: AbortSignal): Promise<string> {
  const roll = random();
  return new Promise((resolve, reject) => {
    if (roll < 0.4) return setTimeout(() => reject(new Error('503 Service Unavailable')), 5);
    if (roll < 0.55) {
      // Hangs: only the abort signal ends it.
      signal.addEventListener('abort', () => {
        console.log(`   ${order}: the hanging call saw its signal aborted and stopped`);
        reject(signal.reason);
      });
      return;
    }
    const timer = setTimeout(() => resolve(`${order} confirmed`), 10);
    signal.addEventListener('abort', () => clearTimeout(timer));
  });
}

async function retriesDemo(): Promise<void> {
  console.log('1) A flaky service behind a pool: 50 ms timeout, up to 4 attempts,');
  console.log('   exponential backoff (10 ms, 20 ms, 40 ms... capped at 200 ms) with full jitter');
  console.log('   (each delay is a random value between 0 and that bound).\n');
  const pool = new WorkerPool<string, string>({
    handler: (order: string, ctx: TaskContext<string>) => flakyService(order, ctx.signal),
    concurrency: 2,
    timeoutMs: 50,
    retry: {
      maxAttempts: 4,
      backoff: { strategy: 'exponential', initialMs: 10, maxMs: 200, factor: 2, jitter: 'full' },
    },
    logging: { level: 'silent' },
  });

  // events$ tells about every retry: which attempt failed, why, and the backoff chosen.
  pool.events$.subscribe((event) => {
    if (event.type === 'retrying') {
      const why = event.error instanceof TaskTimeoutError ? 'timed out' : event.error?.message;
      console.log(
        `   ${event.taskId}: attempt ${event.attempt} failed (${why}); ` +
          `retrying in ${Math.round(event.delayMs ?? 0)} ms`,
      );
    }
  });
  pool.results$.subscribe((result) => {
    const outcome =
      result.status === 'succeeded' ? `OK "${result.value}"` : `GAVE UP (${result.error?.message})`;
    console.log(`   ${result.task.id}: ${outcome} after ${result.attempts} attempt(s)`);
  });

  const orders = Array.from({ length: 8 }, (_, i) => `order-${i + 1}`);
  await Promise.allSettled(orders.map((order) => pool.submit(order, { id: order })));
  const m = pool.metrics();
  console.log(
    `\n   Totals: ${m.succeeded} succeeded, ${m.failed} failed, ` +
      `${m.retries} retries, ${m.timeouts} timeouts.\n`,
  );
  await pool.shutdown();
}

async function circuitBreakerDemo(): Promise<void> {
  console.log('2) A circuit breaker in front of a service that is down for its first 150 ms.');
  console.log('   It opens after 3 failures in a row, refuses calls at once while open, and');
  console.log('   after 60 ms lets one probe call through (half-open).\n');
  const t0 = Date.now();
  const inventory = async (sku: string): Promise<string> => {
    await sleep(2);
    if (Date.now() - t0 < 150) throw new Error('connection refused');
    return `${sku}: 12 in stock`;
  };
  const guarded = withCircuitBreaker(inventory, { failureThreshold: 3, resetTimeoutMs: 60 });
  // A state change inside a call is printed after that call's line, one made by the breaker's
  // timer before the next call: the timeline reads in order, each line at its own time.
  const changes: string[] = [];
  const stateChanges = guarded.breaker.state$.subscribe((state) =>
    changes.push(`   ${since(t0)}  breaker is now ${state.toUpperCase()}`),
  );
  const flushChanges = (): void => {
    for (const line of changes.splice(0)) console.log(line);
  };
  flushChanges();

  // One call every 20 ms for about 260 ms.
  for (let i = 1; i <= 13; i++) {
    flushChanges(); // what the breaker's own timer changed since the last call
    const probe = guarded.breaker.state === 'half-open' ? ' (half-open probe)' : '';
    let outcome: string;
    try {
      outcome = `${await guarded(`sku-${i}`)}`;
    } catch (error) {
      outcome =
        error instanceof CircuitOpenError
          ? `refused without calling (${error.message})`
          : `failed (${(error as Error).message})`;
    }
    // When the call ended, then what it changed.
    console.log(`   ${since(t0)}  call ${i}${probe}: ${outcome}`);
    flushChanges();
    await sleep(20);
  }
  stateChanges.unsubscribe();
  guarded.breaker.dispose();
}

async function main(): Promise<void> {
  await retriesDemo();
  await circuitBreakerDemo();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
