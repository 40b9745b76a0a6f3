export type { DecoratorOptions } from './decorator-internals';
export { withTimeout } from './with-timeout';
export { withRetry } from './with-retry';
export { withRateLimit } from './with-rate-limit';
export { withCircuitBreaker, type CircuitBreakerFunction } from './with-circuit-breaker';
