#!/usr/bin/env node
/**
 * Sums test results for the closing line of .ci/run.
 * Usage: node .ci/count-results.mjs --vitest <file> --vitest-exit <code> [--vitest <file> --vitest-exit <code> …]
 *          [--bench <file> --bench-exit <code>]
 * (one --vitest pair per vitest run: CI runs the timing-sensitive suites in a run of their own)
 * Prints one JSON object {passed, failed, skipped, problems: [...]} on stdout.
 *
 * Counting rules (so a failure can never hide):
 * - vitest: every test that passed or failed counts once; a test file whose status is "failed"
 *   without any failed test (it failed to load, or a beforeAll/afterAll hook threw, which vitest
 *   reports as skipped tests) counts as one more failure;
 * - a runner that exited non-zero but whose results show no failure (global setup failed, no
 *   JSON written, unreadable JSON) counts as one failure;
 * - the benchmark smoke run counts each workload as one test (its correctness checks).
 */
import fs from 'node:fs';

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${file}: unreadable (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

// Every `--vitest <file>` with the `--vitest-exit <code>` that follows it.
const vitestRuns = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--vitest') vitestRuns.push({ file: args[i + 1], exit: 0 });
  if (args[i] === '--vitest-exit' && vitestRuns.length > 0)
    vitestRuns[vitestRuns.length - 1].exit = Number(args[i + 1]);
}
for (const { file: vitestFile, exit } of vitestRuns) {
  const report = fs.existsSync(vitestFile) ? readJson(vitestFile) : undefined;
  if (!fs.existsSync(vitestFile)) problems.push(`${vitestFile}: vitest wrote no JSON report`);
  let failedHere = 0;
  for (const file of report?.testResults ?? []) {
    const assertions = file.assertionResults ?? [];
    const ok = assertions.filter((a) => a.status === 'passed').length;
    const bad = assertions.filter((a) => a.status === 'failed').length;
    passed += ok;
    failedHere += bad;
    skipped += assertions.length - ok - bad;
    if (file.status === 'failed' && bad === 0) {
      failedHere += 1;
      const why = (file.message ?? '').split('\n')[0] || 'a hook failed or the file failed to load';
      problems.push(`${file.name}: suite failed (${why})`);
    }
  }
  if (exit !== 0 && failedHere === 0) {
    failedHere = 1;
    problems.push(
      `vitest (${vitestFile}) exited with code ${exit} without a failed test in its report (global setup failed?)`,
    );
  }
  failed += failedHere;
}

const benchFile = arg('--bench');
if (benchFile) {
  const exit = Number(arg('--bench-exit') ?? 0);
  const report = fs.existsSync(benchFile) ? readJson(benchFile) : undefined;
  let failedHere = 0;
  for (const workload of report?.workloads ?? []) {
    if (workload.ok) passed += 1;
    else {
      failedHere += 1;
      problems.push(`bench ${workload.name}: ${workload.error ? 'error' : 'a correctness check failed'}`);
    }
  }
  if (exit !== 0 && failedHere === 0) {
    failedHere = 1;
    problems.push(`the benchmark smoke run exited with code ${exit}${report ? '' : ' and wrote no results'}`);
  }
  failed += failedHere;
}

process.stdout.write(`${JSON.stringify({ passed, failed, skipped, problems })}\n`);
