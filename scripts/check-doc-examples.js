#!/usr/bin/env node
// Type-checks every ```ts example in the JSDoc of lib/ against the package as users import it:
// `rxjs-worker-pool` and its subpaths resolve to lib/ entries, exactly the names they export.
//
// An example is a fragment: it uses names it does not declare (`pool`, `handler`, `input`).
// Those stay unknown, and the errors that only say so are ignored; everything else fails the
// check: an import of a name the entry does not export, a wrong argument type, a property that
// does not exist, a call with the wrong number of arguments.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const lib = path.join(root, 'lib');
const virtualDir = path.join(root, '.doc-examples');

/** Diagnostics that only say an example uses a name it does not declare. */
const FRAGMENT_CODES = new Set([
  2304, // Cannot find name 'pool'.
  2552, // Cannot find name 'x'. Did you mean 'y'?
  18004, // No value exists in scope for the shorthand property 'handler'.
  7005, // Variable implicitly has an 'any' type (from an unknown initialiser).
  7006, // Parameter implicitly has an 'any' type (a callback of an unknown function).
  7031, // Binding element implicitly has an 'any' type.
  7034, // Variable implicitly has type 'any' in some locations.
]);

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The ```ts blocks of every JSDoc comment of `file`, with the line each starts on. */
function examplesOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const examples = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0].split('\n').map((line) => line.replace(/^\s*\*( |$)/, ''));
    let open;
    lines.forEach((line, index) => {
      if (open === undefined && /^```(ts|typescript)\s*$/.test(line.trim())) open = index + 1;
      else if (open !== undefined && line.trim() === '```') {
        examples.push({ line: startLine + open, code: lines.slice(open, index).join('\n') });
        open = undefined;
      }
    });
  }
  return examples;
}

function main() {
  const examples = [];
  for (const file of sourceFiles(lib)) {
    examplesOf(file).forEach((example, n) => {
      const relative = path.relative(root, file);
      // Beside its source file: an internal item's example imports it relatively, as the next
      // engineer would; a public one imports the package, as a user does.
      const name = path.join(
        path.dirname(file),
        `__doc_example__${path.basename(file, '.ts')}_${n}.ts`,
      );
      // A fragment without import or export would be a script sharing one scope with the rest.
      const code = /^\s*(import|export)\b/m.test(example.code)
        ? example.code
        : `${example.code}\nexport {};`;
      examples.push({ name, code, source: `${relative}:${example.line}` });
    });
  }
  // The names nearly every example uses without declaring, typed as a user's would be, so that
  // calls on them are checked too.
  const prelude = {
    name: path.join(virtualDir, 'prelude.d.ts'),
    code: [
      "import type { Handler, WorkerPool } from 'rxjs-worker-pool';",
      'declare global {',
      '  // eslint-disable-next-line no-var',
      '  var pool: WorkerPool<any, any>;',
      '  var handler: Handler<any, any>;',
      '}',
      'export {};',
    ].join('\n'),
  };
  const byName = new Map([...examples, prelude].map((example) => [example.name, example]));
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022, // examples may await at the top level
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: ['node', 'mocha'],
    baseUrl: root,
    paths: {
      'rxjs-worker-pool': ['lib/index.ts'],
      'rxjs-worker-pool/threads': ['lib/threads/index.ts'],
      'rxjs-worker-pool/bullmq': ['lib/bullmq/index.ts'],
      'rxjs-worker-pool/testing': ['lib/testing/index.ts'],
      'rxjs-worker-pool/tracing': ['lib/tracing/index.ts'],
    },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => byName.get(path.resolve(name))?.code ?? readFile(name);
  host.fileExists = (name) => byName.has(path.resolve(name)) || fileExists(name);
  const program = ts.createProgram([...byName.keys()], options, host);

  const problems = [];
  for (const example of examples) {
    const file = program.getSourceFile(example.name);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ];
    for (const diagnostic of diagnostics) {
      if (FRAGMENT_CODES.has(diagnostic.code)) continue;
      const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const [at, lineNo] = example.source.split(':');
      problems.push(`${at}:${Number(lineNo) + line}: TS${diagnostic.code} ${message}`);
    }
  }
  if (problems.length === 0) {
    console.log(`check-doc-examples: all ${examples.length} examples compile`);
    return;
  }
  console.error(`check-doc-examples: ${problems.length} problem(s) in JSDoc examples:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}

main();
