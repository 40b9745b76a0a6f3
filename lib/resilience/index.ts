export { TokenBucket, type RateLimitOptions } from './token-bucket';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerWindow,
  type CircuitState,
} from './circuit-breaker';
