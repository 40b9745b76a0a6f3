/**
 * The layers of DESIGN.md "Layers", enforced: `npm run lint` runs
 * `depcruise lib`, and any rule below that fails stops it.
 *
 * From the bottom up, a file imports only from its own layer or those below:
 *   1 foundations   errors/ task/ logging/ options/
 *   2 policies      backoff/ resilience/ retry/ scaling/ metrics/ config/ shutdown/
 *   3 scheduling    channel/ merge/ operators/ decorators/
 *   4 engine        pool/
 *   5 public entry  index.ts
 *   6 integrations  threads/ bullmq/ tracing/ testing/ (the core only through index.ts)
 *   7 command line  cli/ (index.ts and the integrations' entries)
 */
const LAYERS = [
  ['errors', 'task', 'logging', 'options'],
  ['backoff', 'resilience', 'retry', 'scaling', 'metrics', 'config', 'shutdown'],
  ['channel', 'merge', 'operators', 'decorators'],
  ['pool'],
];
const INTEGRATIONS = ['threads', 'bullmq', 'tracing', 'testing'];

const folders = (names) => `^lib/(?:${names.join('|')})/`;
const above = (index) => [
  ...LAYERS.slice(index + 1).map(folders),
  '^lib/index\\.ts$',
  folders(INTEGRATIONS),
  '^lib/cli/',
];

module.exports = {
  forbidden: [
    ...LAYERS.map((layer, index) => ({
      name: `layer-${index + 1}-imports-upward`,
      comment: `lib/{${layer.join(',')}}/ is layer ${index + 1}: it may import only from its own layer or the ones below (DESIGN.md "Layers").`,
      severity: 'error',
      from: { path: folders(layer) },
      to: { path: above(index) },
    })),
    {
      name: 'integration-bypasses-public-entry',
      comment:
        'An integration uses the core as users do: only through lib/index.ts. A hook it needs becomes public, documented API.',
      severity: 'error',
      from: { path: `^lib/(${INTEGRATIONS.join('|')})/` },
      to: { path: '^lib/', pathNot: ['^lib/index\\.ts$', '^lib/$1/'] },
    },
    {
      name: 'cli-bypasses-public-entries',
      comment:
        "The CLI stands on lib/index.ts and the integrations' entries, as a user's program would.",
      severity: 'error',
      from: { path: '^lib/cli/' },
      to: {
        path: '^lib/',
        pathNot: [
          '^lib/cli/',
          '^lib/index\\.ts$',
          `^lib/(?:${INTEGRATIONS.join('|')})/index\\.ts$`,
        ],
      },
    },
    {
      name: 'no-package-internals',
      comment:
        "Import a package by its public entry: its dist/ and internal/ files (rxjs/internal, piscina's balancer) change without notice.",
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/config/generated/' },
      to: {
        dependencyTypes: [
          'npm',
          'npm-dev',
          'npm-peer',
          'npm-optional',
          'npm-no-pkg',
          'npm-unknown',
        ],
        path: [
          '^node_modules/.+/internal/',
          '^node_modules/[^/]+/dist/(?!cjs/|esm/)[^/]+/[^/]+/',
          '^node_modules/[^/]+/dist/(?:cjs|esm)/[^/]+/[^/]+/',
        ],
      },
    },
    {
      name: 'no-dist-imports',
      comment: 'lib/ is the source: nothing in it imports the compiled dist/.',
      severity: 'error',
      from: { path: '^(?:lib|spec|samples|bench)/' },
      to: { path: '^dist/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and hides which module owns what.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'pino-pretty is an optional peer, required only when `pretty: true` asks for it.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { couldNotResolve: true, pathNot: '^pino-pretty$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // lib/threads/thread-worker.js is plain JavaScript loaded by piscina.
    exclude: { path: '^lib/config/generated/' },
  },
};
