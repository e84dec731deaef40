import os from 'node:os';

/** A stream the CLI writes to; `isTTY` decides between progress bars and plain output. */
export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/** A stream the CLI reads secrets from (stdin). `setRawMode` exists on a terminal only. */
export type CliInput = NodeJS.ReadableStream & {
  isTTY?: boolean | undefined;
  setRawMode?: ((mode: boolean) => unknown) | undefined;
};

/**
 * Everything a command touches outside itself. Commands never use `process` or `console`
 * directly, so tests run them in-process and read exactly what a user would see.
 */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/**
 * A failure the user can act on. The message is printed as one line, `slipway: <message>`, and
 * the process exits with `exitCode` (2 means "not supported here, use another tool").
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Prints a value as pretty JSON on stdout (the `--json` output of every command). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints lines of human output on stdout. */
export function printLines(io: CliIo, ...lines: string[]): void {
  io.stdout.write(`${lines.join('\n')}\n`);
}

/** Prints lines on stderr: notes around a secret on stdout, so `$(slipway …)` captures only the secret. */
export function printNote(io: CliIo, ...lines: string[]): void {
  io.stderr.write(`${lines.join('\n')}\n`);
}

/** The operating-system account running the CLI, for the audit actor `cli:<user>`. */
export function osUserName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    // Containers may run as a uid with no passwd entry.
    return env.USER ?? env.LOGNAME ?? 'unknown';
  }
}
