#!/usr/bin/env node
// Fails when a public export (a top-level reflection of lib/index.ts) has no JSDoc summary or
// no example. Runs typedoc with the project's typedoc.json, adding a JSON output in a temporary
// file, and reads the comments from there, so it sees exactly what the API docs show.
// An example is a `## Example` heading, an `@example` tag or a fenced code block; a function's
// comment is read from its first signature.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const typedoc = path.join(root, 'node_modules', '.bin', 'typedoc');

function runTypedoc(jsonFile) {
  const result = spawnSync(typedoc, ['--json', jsonFile], { cwd: root, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    console.error(`check-docs: typedoc failed (${why})`);
    process.exit(1);
  }
}

/** The comment that documents a reflection: its own, or its first signature's. */
function commentOf(reflection) {
  if (reflection.comment) return reflection.comment;
  const first = (reflection.signatures ?? [])[0];
  return first?.comment;
}

const FENCE = /^\s*```/;
const EXAMPLE_HEADING = /^#{1,6}\s*Examples?\b/im;

/** The summary's text before its example (an example alone is not a summary). */
function summaryText(parts) {
  let text = '';
  for (const part of parts) {
    if (part.kind === 'code' && FENCE.test(part.text)) break;
    text += part.text;
  }
  const heading = text.search(EXAMPLE_HEADING);
  return (heading === -1 ? text : text.slice(0, heading)).trim();
}

function hasExample(comment) {
  if ((comment.blockTags ?? []).some((tag) => tag.tag === '@example')) return true;
  const parts = [...comment.summary, ...(comment.blockTags ?? []).flatMap((tag) => tag.content)];
  return parts.some(
    (part) =>
      (part.kind === 'code' && FENCE.test(part.text)) ||
      (part.kind === 'text' && EXAMPLE_HEADING.test(part.text)),
  );
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-docs-'));
  const jsonFile = path.join(dir, 'api.json');
  let project;
  try {
    runTypedoc(jsonFile);
    project = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // With several entry points (the root and rxjs-worker-pool/threads), the top level holds one
  // module reflection (kind 2) per entry and the exports are its children.
  const exports = (project.children ?? []).flatMap((r) =>
    r.kind === 2 ? (r.children ?? []) : [r],
  );
  const noSummary = [];
  const noExample = [];
  for (const reflection of exports) {
    const comment = commentOf(reflection);
    if (!comment || summaryText(comment.summary ?? []) === '') noSummary.push(reflection.name);
    if (!comment || !hasExample(comment)) noExample.push(reflection.name);
  }

  if (noSummary.length === 0 && noExample.length === 0) {
    console.log(`check-docs: all ${exports.length} exports have a summary and an example`);
    return;
  }
  if (noSummary.length > 0) {
    console.error(`check-docs: ${noSummary.length} export(s) without a summary:`);
    for (const name of noSummary.sort()) console.error(`  - ${name}`);
  }
  if (noExample.length > 0) {
    console.error(`check-docs: ${noExample.length} export(s) without an example:`);
    for (const name of noExample.sort()) console.error(`  - ${name}`);
  }
  process.exit(1);
}

main();
