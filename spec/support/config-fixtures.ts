import { expect } from 'chai';
import { ConfigError } from '../../lib/errors/config-error';

/** The ConfigError thrown by `fn`, or a failed expectation. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail('expected a ConfigError');
}

/** Each problem of `error` as `path: message`, the way specs compare them. */
export function lines(error: ConfigError): string[] {
  return error.problems.map((p) => `${p.path}: ${p.message}`);
}
