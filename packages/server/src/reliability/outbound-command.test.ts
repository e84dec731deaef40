import fs from 'node:fs';
import path from 'node:path';
import type { PlanTarget } from '@slipway/model';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRunner, renderArgv } from '../rollouts/executors.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { tempDir } from '../test-support/test-databases.js';

/**
 * Suite 6, second half — the command executor (rollout steps and health gates run allow-listed
 * programs with an argv, never a shell). Generated targets whose names and attributes are
 * full of shell metacharacters, `..`, option prefixes, globs, `$VAR`, quotes and newlines are
 * rendered into an argv template and run (300 per CI run, SLIPWAY_INJECTION_RUNS for more): each placeholder must arrive as exactly one argument,
 * byte for byte, and a marker file the payloads try to create must never appear. Programs that
 * are not absolute, normalised and allow-listed are refused before anything runs.
 */
/** 300 per CI run (each is a process spawn); SLIPWAY_INJECTION_RUNS=1000 for the anchors' full count. */
const RUNS = Number(process.env.SLIPWAY_INJECTION_RUNS ?? 300);
const PRINTF = '/usr/bin/printf';

describe.runIf(fs.existsSync(PRINTF))('suite 6: command executor injection', () => {
  let t: TestApp;
  let runner: CommandRunner;
  let dir: string;
  let marker: string;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { env: { SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' } });
    await t.slipway.ctx.database.db
      .insertInto('rollout_executables')
      .values({ path: PRINTF, note: 'injection suite', created_by: 'test', created_at: new Date().toISOString() })
      .execute();
    runner = new CommandRunner(t.slipway.ctx.database.db);
    dir = tempDir('slipway-inject-');
    marker = path.join(dir, 'pwned');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses programs that are relative, not normalised, templated or not allow-listed', async () => {
    for (const argv of [['printf'], ['/usr/bin/../bin/sh', '-c', 'id'], ['{ci.name}'], ['/bin/sh', '-c', 'id'], []]) {
      await expect(runner.check(argv, 'argv'), JSON.stringify(argv)).rejects.toThrow();
    }
    await expect(runner.check([PRINTF, '%s', '{ci.name}'], 'argv')).resolves.toBeUndefined();
  });

  it(`passes ${RUNS} hostile placeholder values as single arguments and runs nothing else`, async () => {
    const hostile = fc.oneof(
      fc.constantFrom(
        `; touch ${marker}`,
        `$(touch ${marker})`,
        `\`touch ${marker}\``,
        `&& touch ${marker}`,
        `| touch ${marker}`,
        `\ntouch ${marker}`,
        `' ; touch ${marker} ; '`,
        `" ; touch ${marker} ; "`,
        '--output=/etc/passwd',
        '-rf',
        '--',
        '../../../../etc/shadow',
        '*',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion probe, passed as literal text
        '$HOME ${PATH}',
        '> /dev/null',
        '%s%s%s%n',
        '',
      ),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom(';', '|', '&', '$', '(', ')', '`', '>', '<', '\n', '"', "'", '\\', ' ', '*', '-', 'a'),
        maxLength: 30,
      }),
    );
    const cases = fc.sample(fc.tuple(hostile, hostile, hostile), { numRuns: RUNS, seed: 42 });
    // Each placeholder is its own argument; printf echoes each argument once, NUL-terminated.
    const template = [PRINTF, '%s\\0', '{ci.name}', '--site={ci.site}', '{ci.rack}'];
    let exact = 0;
    const problems: string[] = [];
    const started = performance.now();
    for (const [name, site, rack] of cases) {
      const target: PlanTarget = { id: 1, class: 'server', name, attributes: { site, rack } };
      const argv = renderArgv(template, target, {});
      expect(argv).toHaveLength(template.length);
      // A NUL cannot be passed in an argv at all; the runner must refuse such a value, not run it.
      const result = await runner.run(argv, { timeoutMs: 5000 }).catch((error: unknown) => ({
        exitCode: null,
        output: '',
        error: String(error),
      }));
      const expected = [name, `--site=${site}`, rack];
      if (result.exitCode === 0 && result.output === expected.map((a) => `${a}\0`).join('')) exact++;
      else
        problems.push(
          `${JSON.stringify(expected)} → ${result.exitCode} ${JSON.stringify(result.output)} ${result.error ?? ''}`,
        );
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `outbound-command: ${RUNS} runs with hostile placeholder values in ${seconds.toFixed(1)} s: ${exact} passed verbatim as single arguments, ` +
        `${problems.length} problems, marker file ${fs.existsSync(marker) ? 'CREATED' : 'never created'}`,
    );
    expect(fs.existsSync(marker)).toBe(false);
    expect(problems.slice(0, 5)).toEqual([]);
  }, 120_000);
});
