/* Scaler */
export { Scaler, type ScalerHost } from './scaler';
export type { AutoscaleOptions } from './autoscale-options';

/* Policies */
export type { ScalingDecision, ScalingPolicy, ScalingSignals } from './scaling-policy';
export { ResourcePolicy, type ResourcePolicyOptions } from './resource-policy';
export { LatencyPolicy, type LatencyPolicyOptions } from './latency-policy';
export { policyFrom, type PolicyOption } from './policy-from';

/* Usage sources */
export {
  PidusageSource,
  ScriptedUsageSource,
  ZERO_USAGE,
  type PidusageSourceOptions,
  type ProcessUsage,
  type UsageSource,
} from './usage-source';
