#!/usr/bin/env node
/**
 * `npm run bench`: Slipway's benchmark suite. Each workload measures the product and, in the same
 * run on the same data, its baselines, and prints the ratio; the run is saved as
 * bench/results/<timestamp>.json with the machine it ran on. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, USAGE } from './lib/args.mjs';
import { formatValue, seconds, table } from './lib/format.mjs';
import { loadTest } from './lib/http-load.mjs';
import { describeMachine, machineInfo } from './lib/machine.mjs';
import { RESULTS_DIR } from './lib/modules.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { WORKLOADS } from './workloads/index.mjs';

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (options.list) {
  for (const w of WORKLOADS) process.stdout.write(`${w.name.padEnd(12)} ${w.title}\n`);
  process.exit(0);
}

const selected = options.only ? WORKLOADS.filter((w) => options.only.includes(w.name)) : WORKLOADS;
const unknown = (options.only ?? []).filter((name) => !WORKLOADS.some((w) => w.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown workload(s): ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}\n`,
  );
  process.exit(2);
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');

if (options.pin) {
  // The load generator (this process, every thread) on CPU 1; servers are started on CPU 0.
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {
    process.stderr.write('bench: --pin needs taskset (Debian package util-linux) and at least 2 CPUs\n');
    process.exit(2);
  }
}

const machine = await machineInfo();
out(`Slipway benchmark — tier ${options.tier}${options.ci ? ', --ci (correctness only; timings not judged)' : ''}`);
out(describeMachine(machine));
if (machine.loadAverage[0] > machine.cpuCount * 0.5) {
  out(`note: the machine is busy (1-min load ${machine.loadAverage[0]}); expect noisy figures`);
}

const results = [];
/** Teardown registered by workloads (`ctx.defer`): run after the last workload, newest first. */
const deferred = [];
for (const workload of selected) {
  out();
  out(`== ${workload.name}: ${workload.title} ==`);
  const started = performance.now();
  const profiles = [];
  const ctx = {
    tier: options.tier,
    ci: options.ci,
    pin: options.pin,
    options,
    machine,
    log: (line) => out(`   ${line}`),
    loadTest,
    /** Registers teardown (dropping databases, removing files) to run after every workload. */
    defer: (fn) => deferred.push(fn),
    /** Starts bench/servers/<kind>.mjs in a child process (pinned and profiled as asked). */
    startServer: (kind, serverOptions = {}, label = kind) => {
      const profile = options.profile ? `${stamp}-${workload.name}-${label}.cpuprofile.json` : null;
      if (profile) profiles.push(path.join(RESULTS_DIR, profile));
      return startServerProcess(kind, serverOptions, { pin: options.pin, profile });
    },
  };
  const record = { name: workload.name, title: workload.title, ok: false, loadAverageBefore: os.loadavg() };
  try {
    const result = await workload.run(ctx);
    materializeComputedColumns(result);
    Object.assign(record, result);
    record.ok = (result.checks ?? []).every((c) => c.ok);
    report(result);
  } catch (error) {
    record.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    out(`   FAILED: ${record.error}`);
  }
  record.durationMs = Math.round(performance.now() - started);
  record.loadAverageAfter = os.loadavg();
  if (record.loadAverageAfter[0] > machine.cpuCount * 0.5 || record.loadAverageBefore[0] > machine.cpuCount * 0.5) {
    out(
      `   note: machine load during ${workload.name}: ${record.loadAverageBefore[0].toFixed(1)} → ${record.loadAverageAfter[0].toFixed(1)} ` +
        `(1-min average on ${machine.cpuCount} CPUs); absolute figures are noisy, compare ratios`,
    );
  }
  if (profiles.length > 0) {
    record.profiles = profiles;
    out(`   CPU profiles: ${profiles.map((p) => path.relative(process.cwd(), p)).join(', ')}`);
    out('   summarise one with: node bench/tools/profile-summary.mjs <file>');
  }
  out(`   (${workload.name} took ${seconds(record.durationMs)})`);
  results.push(record);
}

/**
 * A column may compute its cells from the row (a function `key`); functions do not survive JSON,
 * so the computed cells are stored in the rows and the column points at them — the saved results
 * file then renders the same table (tools/results-markdown.mjs).
 */
function materializeComputedColumns(result) {
  if (!Array.isArray(result?.columns)) return;
  result.columns = result.columns.map((column, i) => {
    if (typeof column.key !== 'function') return column;
    const key = `column${i}`;
    for (const row of result.rows ?? []) row[key] = column.key(row);
    return { ...column, key };
  });
}

/** Prints a workload's table, ratios, goals and checks. */
function report(result) {
  out();
  out(
    table(result.columns, result.rows)
      .split('\n')
      .map((line) => `   ${line}`)
      .join('\n'),
  );
  out();
  for (const r of result.ratios ?? []) {
    const verdict = options.ci ? 'not judged in --ci' : r.met ? 'met' : 'MISSED';
    out(`   ratio ${r.label}: ${formatValue(r.value, 'ratio')}${r.goal ? `  (goal ${r.goal}: ${verdict})` : ''}`);
  }
  for (const g of result.goals ?? []) {
    const verdict = options.ci ? 'not judged in --ci' : g.met ? 'met' : 'MISSED';
    out(`   goal  ${g.text}: ${verdict}`);
  }
  for (const c of result.checks ?? []) {
    out(`   check ${c.ok ? 'ok  ' : 'FAIL'} ${c.text}${c.ok ? '' : ` (${[c.detail].flat().join('; ')})`}`);
  }
}

for (const fn of deferred.reverse()) {
  try {
    await fn();
  } catch (error) {
    out(`bench: teardown failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const finishedAt = new Date();
const failed = results.filter((r) => !r.ok);
out();
out(
  `bench: ${results.length - failed.length} of ${results.length} workload(s) ran cleanly` +
    `${failed.length ? `; FAILED: ${failed.map((r) => r.name).join(', ')}` : ''} in ${seconds(finishedAt - startedAt)}`,
);
if (!options.ci) {
  const missed = results.flatMap((r) => (r.goals ?? []).filter((g) => !g.met).map((g) => `${r.name}: ${g.text}`));
  if (missed.length > 0) out(`bench: goals missed: ${missed.join('; ')}`);
}

if (options.save) {
  const file = options.out ? path.resolve(options.out) : path.join(RESULTS_DIR, `${stamp}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    tier: options.tier,
    ci: options.ci,
    pinned: options.pin,
    argv: process.argv.slice(2),
    machine,
    harnessPeakRssMb: process.resourceUsage().maxRSS / 1024,
    workloads: results,
  };
  fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  out(`bench: results written to ${path.relative(process.cwd(), file)}`);
}
process.exit(failed.length > 0 ? 1 : 0);
