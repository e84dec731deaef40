#!/usr/bin/env node
// Prints the gzipped size of the JavaScript a browser loads before the first page renders:
// the entry scripts and module preloads that dist/index.html references (lazy chunks are not
// counted). Exits non-zero when it exceeds the budget from issue 8, so the build fails loudly.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const BUDGET_BYTES = 500 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const indexFile = path.join(dist, 'index.html');
if (!fs.existsSync(indexFile)) {
  console.error(`No ${indexFile}: run "npm run build -w @slipway/web" first.`);
  process.exit(1);
}
const html = fs.readFileSync(indexFile, 'utf8');
const references = new Set();
for (const match of html.matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g)) references.add(match[1]);
for (const match of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+\.js)"/g)) {
  references.add(match[1]);
}

let raw = 0;
let gzipped = 0;
const rows = [];
for (const reference of references) {
  const file = path.join(dist, reference.replace(/^\//, ''));
  const content = fs.readFileSync(file);
  const size = zlib.gzipSync(content, { level: 9 }).length;
  raw += content.length;
  gzipped += size;
  rows.push(`  ${reference}  ${(content.length / 1024).toFixed(1)} KB raw, ${(size / 1024).toFixed(1)} KB gzipped`);
}
const verdict = gzipped <= BUDGET_BYTES ? 'within' : 'OVER';
console.log(
  `Initial JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped (${(raw / 1024).toFixed(1)} KB raw), ` +
    `${verdict} the ${BUDGET_BYTES / 1024} KB budget`,
);
for (const row of rows) console.log(row);
if (gzipped > BUDGET_BYTES) process.exit(1);
