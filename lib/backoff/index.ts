export type { Backoff, BackoffConfig, BackoffStrategy, JitterName } from './backoff';
export {
  noJitter,
  fullJitter,
  equalJitter,
  decorrelatedJitter,
  jitterFrom,
  type Jitter,
  type JitterContext,
} from './jitter';
export { ExponentialBackoff, type ExponentialBackoffOptions } from './exponential-backoff';
export { LinearBackoff, type LinearBackoffOptions } from './linear-backoff';
export { FixedBackoff, type FixedBackoffOptions } from './fixed-backoff';
export { RandomBackoff, type RandomBackoffOptions } from './random-backoff';
export { backoffFrom, isBackoff } from './backoff-from';
