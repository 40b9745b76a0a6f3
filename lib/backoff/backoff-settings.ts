import type { JitterName } from './backoff';
import { checkFunction, checkNumber, optionPath } from '../options/check-option';
import { jitterFrom, type Jitter } from './jitter';

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
  const initialMs = checkNumber(
    options.initialMs ?? defaults.initialMs,
    optionPath(path, 'initialMs'),
    {
      min: 0,
    },
  );
  const maxMs = checkNumber(options.maxMs ?? defaults.maxMs, optionPath(path, 'maxMs'), {
    min: initialMs,
    minLabel: `\`${optionPath(path, 'initialMs')}\` (${initialMs})`,
  });
  const jitter = jitterFrom(options.jitter ?? defaults.jitter, optionPath(path, 'jitter'));
  const random =
    options.random === undefined
      ? Math.random
      : checkFunction<() => number>(options.random, optionPath(path, 'random'));
  return { initialMs, maxMs, jitter, random };
}
