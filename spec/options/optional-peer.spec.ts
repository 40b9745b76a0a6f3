import { expect } from 'chai';
import { ConfigError } from '../../lib/errors/config-error';
import { requireOptionalPeer } from '../../lib/options/optional-peer';

describe('options/optional-peer', () => {
  it('loads an installed package', () => {
    const yaml = requireOptionalPeer<typeof import('yaml')>('yaml', 'spec');
    expect(yaml.parse('a: 1')).to.deep.equal({ a: 1 });
  });

  it('a missing one is a ConfigError naming it, where it was needed, and how to install it', () => {
    const missing = 'rxjs-worker-pool-no-such-package';
    expect(() => requireOptionalPeer(missing, 'withSomething')).to.throw(
      ConfigError,
      /withSomething[\s\S]*rxjs-worker-pool-no-such-package: is not installed: npm install rxjs-worker-pool-no-such-package/,
    );
    expect(() => requireOptionalPeer(missing, 'consumeX', 'npm install x y')).to.throw(
      ConfigError,
      /is not installed: npm install x y/,
    );
  });
});
