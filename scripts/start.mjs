#!/usr/bin/env node
// `npm start`: build what is missing or out of date, then serve with the demo organisation on
// an embedded SQLite database under ./data (override with SLIPWAY_* variables, see README).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time of any file below `dir` (0 when it does not exist). */
function newest(dir) {
  if (!fs.existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs;
    if (time > latest) latest = time;
  }
  return latest;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// packages/web counts too: its dist is the Vite build of the UI that the server serves at /;
// packages/client is the typed client the CLI and the UI are built against.
const packages = ['model', 'client', 'server', 'cli', 'web'];
const stale = packages.some((name) => {
  const pkg = path.join(root, 'packages', name);
  return newest(path.join(pkg, 'dist')) === 0 || newest(path.join(pkg, 'src')) > newest(path.join(pkg, 'dist'));
});
if (stale) {
  console.log('Building Slipway (first start or sources changed)…');
  run('npm', ['run', 'build']);
}

// A newcomer's first start shows the demo organisation (it only ever loads into an empty
// database); SLIPWAY_DEMO=0 starts with an empty CMDB instead.
const demo = process.env.SLIPWAY_DEMO === '0' ? [] : ['--demo'];
run(process.execPath, [path.join(root, 'packages/cli/bin/slipway.js'), 'serve', ...demo, ...process.argv.slice(2)]);
