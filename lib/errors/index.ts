export { WorkerPoolError } from './worker-pool-error';
export { QueueFullError } from './queue-full-error';
export { PoolClosedError } from './pool-closed-error';
export { DuplicateTaskIdError } from './duplicate-task-id-error';
export { TaskTimeoutError } from './task-timeout-error';
export { TaskCancelledError, type CancelReason } from './task-cancelled-error';
export { NonRetryableError } from './non-retryable-error';
export { CircuitOpenError } from './circuit-open-error';
export { ConfigError, type ConfigProblem } from './config-error';
