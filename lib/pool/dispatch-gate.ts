import type { DispatchGate } from '../merge/priority-merge-internals';
import type { CircuitBreaker } from '../resilience/circuit-breaker';
import type { TokenBucket } from '../resilience/token-bucket';

/** The dispatch gate from a rate limit and a breaker: the breaker first, so an open one costs no token. */
export function dispatchGate(
  bucket: TokenBucket | undefined,
  breaker: CircuitBreaker | undefined,
  onRateLimit: (limited: boolean) => void,
): DispatchGate | undefined {
  if (!bucket && !breaker) return undefined;
  let refusedBy: 'bucket' | 'breaker' = 'bucket';
  // Whether the bucket holds tasks back now: reported once per change.
  let limited = false;
  const setLimited = (now: boolean): void => {
    if (now === limited) return;
    limited = now;
    onRateLimit(now);
  };
  const passes = (): boolean => {
    if (breaker !== undefined && breaker.state !== 'closed') {
      // Open or half-open: only probes pass. Check the bucket first without taking a
      // token, so a refused probe wastes nothing and a taken probe is never stranded.
      if (bucket !== undefined && bucket.msUntilNext() > 0) {
        refusedBy = 'bucket';
        return false;
      }
      if (!breaker.tryAcquire()) {
        refusedBy = 'breaker';
        return false;
      }
      bucket?.tryTake();
      return true;
    }
    if (bucket !== undefined && !bucket.tryTake()) {
      refusedBy = 'bucket';
      return false;
    }
    return true;
  };
  return {
    tryPass() {
      const passed = passes();
      if (!passed && refusedBy === 'bucket') setLimited(true);
      return passed;
    },
    settled(waiting) {
      // Limited while tasks wait and the bucket has no token: a pass stopped by the
      // concurrency limit or a pause says nothing about the bucket (p-queue's rule too).
      const msUntilToken = bucket === undefined ? 0 : bucket.msUntilNext();
      setLimited(waiting && msUntilToken > 0);
      return limited ? msUntilToken : undefined;
    },
    retryInMs() {
      // The breaker's own half-open transition re-opens dispatch through the limit stream.
      return refusedBy === 'bucket'
        ? Math.max(1, (bucket as TokenBucket).msUntilNext())
        : undefined;
    },
  };
}
