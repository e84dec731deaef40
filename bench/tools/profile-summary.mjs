#!/usr/bin/env node
/**
 * Summarises a V8 CPU profile (`npm run bench -- --profile` writes them to bench/results/):
 * self time by package or Slipway file, the top functions by self time, and the top functions by
 * inclusive time (each function counted once per sample, so recursion does not inflate it).
 * Usage: node bench/tools/profile-summary.mjs <file.cpuprofile.json> [--top N] [--match TEXT]
 * `--match` lists inclusive time only for functions whose name or file contains TEXT.
 */
import fs from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const matchIndex = args.indexOf('--match');
const match = matchIndex >= 0 ? args[matchIndex + 1] : null;
if (!file) {
  process.stderr.write('usage: node bench/tools/profile-summary.mjs <file.cpuprofile.json> [--top N] [--match TEXT]\n');
  process.exit(2);
}

// `… | head` closes the pipe early: stop quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

/** Where a function lives: an npm package, a Slipway source file, Node internals, or V8 itself. */
function placeOf(url) {
  if (!url) return '(v8/native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(packages\/[^/]+)\/(?:dist|src)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

function keyOf(node) {
  const f = node.callFrame;
  const name = f.functionName || '(anonymous)';
  return `${name} ${placeOf(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
}

const selfMs = new Map();
const inclusiveMs = new Map();
const byPlace = new Map();
let totalMs = 0;
let idleMs = 0;
const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);

profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  const node = nodes.get(id);
  if (!node) return;
  totalMs += ms;
  if (node.callFrame.functionName === '(idle)') {
    idleMs += ms;
    return;
  }
  add(selfMs, keyOf(node), ms);
  add(
    byPlace,
    node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : placeOf(node.callFrame.url),
    ms,
  );
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const key = keyOf(nodes.get(cur));
    if (!seen.has(key)) {
      seen.add(key);
      add(inclusiveMs, key, ms);
    }
  }
});

const busyMs = totalMs - idleMs;
const pct = (ms) => `${((100 * ms) / busyMs).toFixed(1).padStart(5)} %`;
const print = (title, map, n, filter = () => true) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, ms] of [...map.entries()]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)) {
    process.stdout.write(`${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${key}\n`);
  }
};

process.stdout.write(
  `${file}\nsampled ${(totalMs / 1000).toFixed(1)} s, busy ${(busyMs / 1000).toFixed(1)} s ` +
    `(${((100 * busyMs) / totalMs).toFixed(0)} %), idle ${(idleMs / 1000).toFixed(1)} s; percentages are of busy time\n`,
);
print('Self time by package / Slipway file', byPlace, top);
print('Top functions by self time', selfMs, top);
print(
  match ? `Inclusive time, functions matching "${match}"` : 'Top functions by inclusive time',
  inclusiveMs,
  match ? 200 : top,
  (k) => !k.startsWith('(root)') && (!match || k.includes(match)),
);
