#!/usr/bin/env node
/**
 * Prints a results file (bench/results/<stamp>.json) as Markdown: the machine, and per workload
 * its table, ratios, goals and checks — what docs/performance.md quotes.
 * Usage: node bench/tools/results-markdown.mjs <results.json> [--only name,name] [--no-checks]
 */
import fs from 'node:fs';
import { formatValue } from '../lib/format.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: node bench/tools/results-markdown.mjs <results.json> [--only a,b] [--no-checks]\n');
  process.exit(2);
}
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : null;
const withChecks = !args.includes('--no-checks');
// `… | head` closes the pipe early: stop quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
const m = doc.machine;
const out = (line = '') => process.stdout.write(`${line}\n`);
const cell = (text) => String(text).replace(/\|/g, '\\|');

out(
  `Run ${doc.startedAt} → ${doc.finishedAt}, tier ${doc.tier}${doc.ci ? ' (--ci)' : ''}${doc.pinned ? ', pinned' : ''}`,
);
out(
  `Machine: ${m.cpuCount} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, ${m.os}; Node ${m.node}, SQLite ${m.sqlite}, ` +
    (m.postgres
      ? `PostgreSQL ${m.postgres.server_version} (jit=${m.postgres.jit}, synchronous_commit=${m.postgres.synchronous_commit}, shared_buffers=${m.postgres.shared_buffers}, work_mem=${m.postgres.work_mem})`
      : 'no PostgreSQL') +
    `; commit ${m.gitCommit}${m.gitDirty ? ' + uncommitted changes' : ''}; load at start ${m.loadAverage.join(' ')}`,
);
for (const w of doc.workloads) {
  if (only && !only.includes(w.name)) continue;
  out();
  out(`### ${w.name} — ${w.title}`);
  out();
  const load = w.loadAverageBefore
    ? ` Load average (1 min) ${w.loadAverageBefore[0].toFixed(1)} before, ${w.loadAverageAfter?.[0]?.toFixed(1)} after.`
    : '';
  out(
    `${w.ok ? 'Ran cleanly' : `FAILED${w.error ? `: ${w.error.split('\n')[0]}` : ''}`} in ${(w.durationMs / 1000).toFixed(0)} s.${load}`,
  );
  if (!w.columns) continue;
  out();
  out(`| ${w.columns.map((c) => cell(c.label)).join(' | ')} |`);
  out(`|${w.columns.map((c) => (c.format && c.format !== 'text' ? '---:' : '---')).join('|')}|`);
  for (const row of w.rows) {
    out(`| ${w.columns.map((c) => cell(formatValue(row[c.key], c.format))).join(' | ')} |`);
  }
  if (w.ratios?.length) {
    out();
    for (const r of w.ratios) {
      out(
        `- ratio ${r.label}: **${formatValue(r.value, 'ratio')}**${r.goal ? ` (goal ${r.goal}: ${r.met ? 'met' : 'MISSED'})` : ''}`,
      );
    }
  }
  if (w.goals?.length) {
    out();
    for (const g of w.goals)
      out(
        `- goal ${g.text}: ${g.met ? 'met' : '**MISSED**'}${g.value !== undefined ? ` (${formatValue(g.value, Math.abs(g.value) >= 1000 ? 'int' : 'ms')})` : ''}`,
      );
  }
  if (withChecks && w.checks?.length) {
    const failed = w.checks.filter((c) => !c.ok);
    out();
    out(
      `Checks: ${w.checks.length - failed.length} of ${w.checks.length} passed${failed.length ? `; FAILED: ${failed.map((c) => c.text).join('; ')}` : ''}.`,
    );
  }
}
