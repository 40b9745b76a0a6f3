/* Pool */
export { WorkerPool } from './pool/worker-pool';
export type { PoolInstrumentation, AttemptOutcome, BatchItem } from './pool/instrumentation';
export type { WorkerPoolOptions, ConcurrencyRange } from './pool/options';
export type { PoolEvent, PoolEventOf, PoolEventType, TaskEventBase } from './pool/pool-events';

/* Tasks */
export {
  Priority,
  PRIORITY_NAMES,
  toPriority,
  priorityName,
  type PriorityName,
  type PriorityLike,
} from './task/priority';
export type {
  Task,
  TaskContext,
  Handler,
  TaskResult,
  TaskResultBase,
  SucceededResult,
  UnsuccessfulResult,
  TaskStatus,
} from './task/task';
export type { TaskOptions, ProcessOptions } from './pool/task-options';
export { formatTraceparent, parseTraceparent, type TraceParent } from './task/traceparent';
export {
  batchHandler,
  BatchItemFailure,
  type BatchOptions,
  type BatchContext,
  type BatchFunction,
  type BatchReply,
} from './task/batch-handler';
export { HANDLER_LIFECYCLE, type HandlerLifecycle } from './pool/handler-lifecycle';

/* Errors */
export {
  WorkerPoolError,
  QueueFullError,
  PoolClosedError,
  DuplicateTaskIdError,
  TaskTimeoutError,
  TaskCancelledError,
  NonRetryableError,
  CircuitOpenError,
  ConfigError,
  BatchError,
  type CancelReason,
  type ConfigProblem,
} from './errors';

/* Channel and operators */
export {
  PriorityChannel,
  type QueueOptions,
  type OverflowPolicy,
} from './channel/priority-channel';
export type { Scheduler, KeyedScheduler, ChannelEntry, OfferResult } from './channel/scheduler';
export { KeyedChannel } from './channel/keyed-channel';
export type { KeysOptions } from './channel/keys-options';
export { priorityChannel, type PriorityChannelOptions } from './operators/priority-channel';
export { priorityMerge, type PriorityMergeOptions } from './operators/priority-merge';
export { runInPool } from './pool/run-in-pool';
export { rateLimit } from './operators/rate-limit';
export { circuitBreaker, type CircuitBreakerOperatorOptions } from './operators/circuit-breaker';

/* Retry and backoff */
export type { RetryOptions } from './retry/retry-options';
export { DEFAULT_RETRY } from './retry/retry-policy';
export {
  ExponentialBackoff,
  LinearBackoff,
  FixedBackoff,
  RandomBackoff,
  backoffFrom,
  isBackoff,
  noJitter,
  fullJitter,
  equalJitter,
  decorrelatedJitter,
  jitterFrom,
  type Backoff,
  type BackoffConfig,
  type BackoffStrategy,
  type JitterName,
  type Jitter,
  type JitterContext,
  type ExponentialBackoffOptions,
  type LinearBackoffOptions,
  type FixedBackoffOptions,
  type RandomBackoffOptions,
} from './backoff';

/* Resilience and decorators */
export {
  TokenBucket,
  CircuitBreaker,
  type RateLimitOptions,
  type CircuitBreakerOptions,
  type CircuitBreakerWindow,
  type CircuitState,
} from './resilience';
export {
  withTimeout,
  withRetry,
  withRateLimit,
  withCircuitBreaker,
  type DecoratorOptions,
  type CircuitBreakerFunction,
} from './decorators';

/* Scaling */
export type { AutoscaleOptions } from './scaling/autoscale-options';
export type { ScalingPolicy, ScalingSignals, ScalingDecision } from './scaling/scaling-policy';
export { ResourcePolicy, type ResourcePolicyOptions } from './scaling/resource-policy';
export { LatencyPolicy, type LatencyPolicyOptions } from './scaling/latency-policy';
export {
  PidusageSource,
  ScriptedUsageSource,
  type PidusageSourceOptions,
  type UsageSource,
  type ProcessUsage,
} from './scaling/usage-source';

/* Metrics */
export {
  formatMetrics,
  exposePrometheus,
  serveMetrics,
  evaluateHealth,
  type PoolMetrics,
  type ThreadsMetrics,
  type KeyStats,
  type KeysMetrics,
  type BatchMetrics,
  type ThreadMetrics,
  type LatencySummary,
  type LatencyPair,
  type QueuedByPriority,
  type HealthStatus,
  type HealthOptions,
  type HealthInput,
  type PrometheusSource,
  type PrometheusOptions,
  type PrometheusExposure,
  type ServeMetricsOptions,
  type MetricsServer,
} from './metrics';

/* Shutdown */
export type {
  ShutdownReport,
  ShutdownOptions,
  CleanupOutcome,
  DrainReport,
} from './shutdown/shutdown-report';
export { onSignals, type SignalSteps } from './shutdown/signal-handlers';

/* Config and logging */
export {
  loadConfig,
  validateConfig,
  schemaDefaults,
  checkConfig,
  compileOptionsSchema,
  configFromEnv,
  envVarName,
  envVariables,
  ENV_PREFIX,
  ENVIRONMENT_SOURCE,
  OVERRIDES_SOURCE,
  SCHEMA_PATH,
  poolConfigSchema,
  type ConfigCheck,
  type OptionsCheck,
  type DeepPartial,
  type EnvConfig,
  type EnvVariable,
  type PoolConfig,
  type PoolConfigInput,
  type LoadConfigOptions,
  type SchemaNode,
  type SourcedConfigProblem,
} from './config';
export { createLogger, silentLogger, type LoggingOptions } from './logging/logger';
// Option checks and wording shared with the integrations (threads, BullMQ, your own).
export {
  checkNumber,
  checkDuration,
  MAX_TIMER_MS,
  type NumberRule,
  type DurationRule,
} from './options/check-option';
export { describeValue } from './options/describe-value';
export { requireOptionalPeer } from './options/optional-peer';
export { closestName, unknownNameMessage } from './options/closest-name';
