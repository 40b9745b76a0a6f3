import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Handler } from '../index';
import { UsageError } from './usage-error';

/** A handler module, loaded in this process. */
export interface LoadedHandler {
  file: string;
  fn: Handler<unknown, unknown>;
  /** The export it came from: undefined for the default export (or module.exports itself). */
  exportName: 'handler' | undefined;
}

// A real import(): TypeScript's CommonJS output would turn `import()` into `require()`.
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, unknown>>;

/**
 * Loads `--handler`: a path against the working directory (`./` optional) to a `.js`, `.cjs`,
 * `.mjs` or `.ts` module whose default export, or export `handler`, is the function.
 */
export async function loadHandler(given: string): Promise<LoadedHandler> {
  const file = path.resolve(given);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new UsageError(`--handler: no such file: ${given}`);
  }
  if (/\.[cm]?ts$/.test(file)) registerTsNode(given);
  let exported: unknown;
  try {
    if (file.endsWith('.mjs') || file.endsWith('.mts')) {
      exported = await importModule(pathToFileURL(file).href);
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the user's module
        exported = require(file);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw error;
        exported = await importModule(pathToFileURL(file).href);
      }
    }
  } catch (error) {
    throw new UsageError(`--handler: ${given} failed to load: ${(error as Error).message}`);
  }
  const picked = pick(exported);
  if (picked === undefined) {
    throw new UsageError(
      `--handler: ${given} exports no function (expected a default export or an export named 'handler')`,
    );
  }
  return { file, ...picked };
}

function pick(exported: unknown): Omit<LoadedHandler, 'file'> | undefined {
  if (typeof exported === 'function')
    return { fn: exported as Handler<unknown, unknown>, exportName: undefined };
  const mod = (exported ?? {}) as Record<string, unknown>;
  const inner = mod.default as Record<string, unknown> | undefined;
  if (typeof inner === 'function')
    return { fn: inner as Handler<unknown, unknown>, exportName: undefined };
  if (typeof mod.handler === 'function')
    return { fn: mod.handler as Handler<unknown, unknown>, exportName: 'handler' };
  if (inner !== undefined && typeof inner.default === 'function') {
    return { fn: inner.default as Handler<unknown, unknown>, exportName: undefined };
  }
  if (inner !== undefined && typeof inner.handler === 'function') {
    return { fn: inner.handler as Handler<unknown, unknown>, exportName: 'handler' };
  }
  return undefined;
}

/**
 * A .ts handler loads through ts-node (transpile-only unless TS_NODE_* says otherwise), with
 * CommonJS settings supplied: a fresh project has no tsconfig, and ts-node's defaults for
 * TypeScript 5 (`module: node16` without its resolution) refuse to compile (TS5109).
 */
function registerTsNode(given: string): void {
  if ((process as unknown as Record<symbol, unknown>)[Symbol.for('ts-node.register.instance')])
    return;
  const paths = [process.cwd(), __dirname];
  // ts-node 10 cannot drive TypeScript 7 ("reading 'fileExists'"): say so before it fails.
  const typescript = versionOf('typescript', paths);
  if (typescript !== undefined && Number(typescript.split('.')[0]) >= 7) {
    throw new UsageError(
      `--handler: ${given} is TypeScript, and ts-node cannot load it with TypeScript ${typescript}: npm install --save-dev typescript@5`,
    );
  }
  let tsNode: { register(options: object): unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only for .ts handlers
    tsNode = require(require.resolve('ts-node', { paths })) as typeof tsNode;
  } catch {
    throw new UsageError(
      `--handler: ${given} is TypeScript: install ts-node with TypeScript 5 (npm install --save-dev ts-node typescript@5)`,
    );
  }
  tsNode.register({
    transpileOnly: process.env.TS_NODE_TRANSPILE_ONLY !== 'false',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10' },
  });
}

/** The version of an installed package, as `require` would find it from `paths`. */
function versionOf(name: string, paths: string[]): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a package.json
    return (require(require.resolve(`${name}/package.json`, { paths })) as { version?: string })
      .version;
  } catch {
    return undefined;
  }
}
