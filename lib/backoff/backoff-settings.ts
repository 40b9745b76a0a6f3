import { normalizeAttempt, type JitterName } from './backoff';
import {
  checkFunction,
  checkNumber,
  optionPath,
  checkDuration,
  MAX_TIMER_MS,
} from '../options/check-option';
import { applyJitter, jitterFrom, type Jitter } from './jitter';

/**
 * Options every built-in strategy shares, as given by the user.
 * @internal
 */
export interface CommonBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  jitter?: JitterName | Jitter;
  random?: () => number;
}

/**
 * Validated options of a strategy, every default applied.
 * @internal
 */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: Jitter;
  readonly random: () => number;
}

/**
 * Validates the shared options of a strategy and applies its defaults; messages name
 * `path`-prefixed keys. `maxMs` must be at least `initialMs`.
 * @internal
 */
export function backoffSettings(
  options: CommonBackoffOptions,
  defaults: { initialMs: number; maxMs: number; jitter: JitterName },
  path?: string,
): BackoffSettings {
  const initialMs = checkDuration(
    options.initialMs ?? defaults.initialMs,
    optionPath(path, 'initialMs'),
  );
  const maxMs = checkNumber(options.maxMs ?? defaults.maxMs, optionPath(path, 'maxMs'), {
    min: initialMs,
    minLabel: `\`${optionPath(path, 'initialMs')}\` (${initialMs})`,
    max: MAX_TIMER_MS,
  });
  const jitter = jitterFrom(options.jitter ?? defaults.jitter, optionPath(path, 'jitter'));
  const random =
    options.random === undefined
      ? Math.random
      : checkFunction<() => number>(options.random, optionPath(path, 'random'));
  return { initialMs, maxMs, jitter, random };
}

/**
 * The delay before retry `attempt` of a strategy whose un-jittered delay for retry `k` is
 * `base(k)`: the jitter sees that delay and the previous one.
 * @internal
 */
export function jitteredDelay(
  settings: BackoffSettings,
  attempt: number,
  base: (k: number) => number,
): number {
  const n = normalizeAttempt(attempt);
  const { initialMs, maxMs, jitter, random } = settings;
  const previousMs = n === 1 ? initialMs : base(n - 1);
  return applyJitter(jitter, base(n), { attempt: n, initialMs, maxMs, previousMs, random });
}
