/* Snapshot types */
export type {
  LatencySummary,
  LatencyPair,
  QueuedByPriority,
  PoolMetrics,
  ThreadsMetrics,
  KeyStats,
  KeysMetrics,
  BatchMetrics,
  ThreadMetrics,
} from './pool-metrics';

/* Recording */
export { MetricsRecorder } from './metrics-recorder';
export type { LiveMetrics, SnapshotOptions, MetricsRecorderOptions } from './metrics-recorder';

/* Process usage sampling */
export { SystemSampler } from './system-sampler';
export type { SystemSamplerOptions } from './system-sampler';

/* Health */
export { evaluateHealth } from './health';
export type { HealthStatus, HealthOptions, HealthInput } from './health';

/* Human view */
export { formatMetrics } from './format-metrics';

/* Prometheus */
export { exposePrometheus, serveMetrics } from './prometheus';
export type {
  PrometheusSource,
  PrometheusOptions,
  PrometheusExposure,
  ServeMetricsOptions,
  MetricsServer,
} from './prometheus';
