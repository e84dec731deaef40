import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { createCliProgram } from './cli-program.js';

const silent: CliIo = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: process.stdin,
  env: {},
};

/** Every command a user can run (`change list`, `serve`…): the leaves of the commander tree. */
function leaves(command: Command, path: string[] = []): { path: string; command: Command }[] {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

describe('the slipway command tree', () => {
  const commands = leaves(createCliProgram(silent));

  it('is walked whole (a broken walk would pass the check below vacuously)', () => {
    expect(commands.length).toBeGreaterThan(100);
    expect(commands.map((c) => c.path)).toEqual(expect.arrayContaining(['serve', 'change list', 'release notes']));
  });

  // The top-level help and docs/cli.md promise it: "Every command takes --json for scripts".
  it('gives every command --json', () => {
    const without = commands.filter(({ command }) => !command.options.some((o) => o.long === '--json'));
    expect(without.map((c) => c.path)).toEqual([]);
  });
});
