import type { AutoscaleOptions } from './autoscale-options';
import { LatencyPolicy } from './latency-policy';
import { ResourcePolicy } from './resource-policy';
import type { ScalingPolicy } from './scaling-policy';

/** What `autoscale.policy` accepts. */
export type PolicyOption = NonNullable<AutoscaleOptions['policy']>;

/**
 * Turns `autoscale.policy` into policy objects: `'resource'` (the default, built from the
 * resource options of `autoscale`), `'latency'`, your own {@link ScalingPolicy}, or a list of
 * these (the scaler then takes the lowest limit).
 *
 * ## Example
 * ```ts
 * import { policyFrom } from './policy-from'; // internal: lib/scaling/
 * const policies = policyFrom(['resource', 'latency'], { targetCpuPercent: 60 });
 * console.log(policies.map((policy) => policy.name));
 * // Output:
 * // [ 'resource', 'latency' ]
 * ```
 *
 * @param option The `policy` option; `undefined` means `'resource'`.
 * @param autoscale The autoscale options whose `targetCpuPercent`, `maxRssBytes`,
 * `maxEventLoopDelayMs` and `step` configure a `'resource'` policy.
 * @return One policy per entry, in order.
 */
export function policyFrom(
  option: PolicyOption | undefined,
  autoscale: AutoscaleOptions = {},
): ScalingPolicy[] {
  if (option === undefined) return [resourcePolicy(autoscale)];
  const entries = Array.isArray(option) ? option : [option];
  if (entries.length === 0) {
    throw new TypeError(
      'Expected `autoscale.policy` to name at least one policy, got `[]` (empty array)',
    );
  }
  return entries.map((entry, index) => {
    if (entry === 'resource') return resourcePolicy(autoscale);
    if (entry === 'latency') return new LatencyPolicy();
    if (entry !== null && typeof entry === 'object' && typeof entry.next === 'function')
      return entry;
    const path = Array.isArray(option) ? `autoscale.policy[${index}]` : 'autoscale.policy';
    throw new TypeError(
      `Expected \`${path}\` to be 'resource', 'latency' or a ScalingPolicy, got \`${String(entry)}\` (${typeof entry})`,
    );
  });
}

function resourcePolicy(autoscale: AutoscaleOptions): ResourcePolicy {
  return new ResourcePolicy({
    targetCpuPercent: autoscale.targetCpuPercent,
    maxRssBytes: autoscale.maxRssBytes,
    maxEventLoopDelayMs: autoscale.maxEventLoopDelayMs,
    step: autoscale.step,
  });
}
