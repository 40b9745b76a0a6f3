import { ConfigError } from '../errors/config-error';

/**
 * An optional peer dependency, loaded when first needed (so a program that does not use it
 * never loads it), or a `ConfigError` from `source` that names the package and how to
 * install it. Used by the BullMQ and tracing entries; an integration of your own can too.
 *
 * ## Example
 * ```ts
 * import { requireOptionalPeer } from 'rxjs-worker-pool';
 * const yaml = requireOptionalPeer<typeof import('yaml')>('yaml', 'loadMyConfig');
 * // without yaml: ConfigError: Invalid configuration in loadMyConfig: yaml: is not installed: npm install yaml
 * ```
 */
export function requireOptionalPeer<T>(
  name: string,
  source: string,
  install = `npm install ${name}`,
): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigError([{ path: name, message: `is not installed: ${install}` }], source);
  }
}
