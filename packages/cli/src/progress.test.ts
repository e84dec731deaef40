import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { startProgress } from './progress.js';

function ioWithStderr(isTTY: boolean): { io: CliIo; written: () => string } {
  let text = '';
  const io: CliIo = {
    stdout: { write: () => true, isTTY },
    stderr: { write: (chunk: string) => (text += chunk), isTTY },
    stdin: new PassThrough(),
    env: {},
  };
  return { io, written: () => text };
}

describe('startProgress', () => {
  it('is silent when stderr is not a terminal (CI logs, pipes)', () => {
    const { io, written } = ioWithStderr(false);
    const progress = startProgress(io, { label: 'Importing', total: 10, unit: 'lines' });
    progress.update(5);
    progress.increment(5);
    progress.stop();
    progress.stop();
    expect(written()).toBe('');
  });

  it('is silent with --json even on something that claims to be a terminal', () => {
    const { io, written } = ioWithStderr(true);
    const progress = startProgress(io, { label: 'Importing', total: 10, json: true });
    progress.update(10);
    progress.stop();
    expect(written()).toBe('');
  });
});
