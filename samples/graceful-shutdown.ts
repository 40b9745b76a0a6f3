// In your own code: import { ... } from 'rxjs-worker-pool';
import { PoolClosedError, WorkerPool, type TaskContext } from '../lib';

// The service pattern: the pool listens for SIGINT/SIGTERM itself, drains its work within a
// deadline, runs the cleanup callbacks, and exits the process (0: everything finished in time,
// 1: the deadline cut work off). Try a tight deadline: `... graceful-shutdown.ts 200`.
const deadlineMs = Number(process.argv[2] ?? 2000);
const t0 = Date.now();
const log = (message: string) =>
  console.log(`${String(Date.now() - t0).padStart(5)} ms  ${message}`);

// A job that takes 120 ms and stops early if its signal is aborted (at the deadline).
function sendEmail(to: string, { signal }: TaskContext<string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(`sent to ${to}`), 120);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

const pool = new WorkerPool<string, string>({
  handler: sendEmail,
  concurrency: 2,
  handleSignals: true, // SIGINT/SIGTERM start a shutdown, then the process exits
  shutdown: { timeoutMs: deadlineMs },
  logging: { level: 'warn' },
});

// Cleanup callbacks run after the drain, last registered first: close what the work used.
// Each gets the drain's outcome, so the one below can persist what never ran.
pool.onShutdown(() => log('cleanup: closing the mail server connection'));
pool.onShutdown((report) => {
  const inputs = (tasks: { input: string }[]) => tasks.map((t) => t.input).join(', ') || 'none';
  log(`cleanup: ${report.completed} emails sent`);
  log(`cleanup: ${report.aborted.length} aborted while running: ${inputs(report.aborted)}`);
  log(
    `cleanup: ${report.cancelled.length} cancelled before they started: ${inputs(report.cancelled)}`,
  );
  if (report.timedOut) log('cleanup: (a real service would persist those inputs now)');
});
process.on('exit', (code) => log(`process exits with code ${code}`));

log(`8 emails queued, 2 sent at a time, 120 ms each; shutdown deadline ${deadlineMs} ms`);
for (let i = 1; i <= 8; i++) {
  pool.submit(`user${i}`).catch(() => undefined); // outcomes: see the cleanup above
}

// A process manager (systemd, Kubernetes, Ctrl-C) would send this; here we send it ourselves.
setTimeout(() => {
  log('sending SIGTERM to ourselves (2 emails sent so far, 2 being sent, 4 waiting)');
  process.kill(process.pid, 'SIGTERM');
  setImmediate(() =>
    pool.submit('late-user').catch((error: unknown) => {
      if (error instanceof PoolClosedError) log('a task submitted after SIGTERM is refused');
    }),
  );
}, 180);
