import type { Logger } from 'pino';
import type { SchedulerLike } from 'rxjs';
import type { KeyedScheduler } from '../channel/scheduler';
import type { DispatchGate } from '../merge/priority-merge-internals';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import type { CircuitBreaker } from '../resilience/circuit-breaker';
import type { PoolBatchConfig } from './pool-batches';
import type { PoolTask } from './pool-task';

/** What the engine needs, already checked by the public class. */
export interface EngineConfig<I, O> {
  /** Makes the scheduler of waiting tasks, on the engine's clock (ms since `epoch`). */
  waiting: (clock: () => number) => KeyedScheduler<PoolTask<I, O>>;
  /** Scheduler time that task times are relative to. */
  epoch: number;
  abortGraceMs: number;
  scheduler: SchedulerLike;
  logger: Logger;
  metrics: MetricsRecorder;
  gate: DispatchGate | undefined;
  breaker: CircuitBreaker | undefined;
  /** The pool's handler and its batch settings, when it is a batch handler. */
  batch?: PoolBatchConfig<I, O>;
}
