import { CliError, type CliIo } from './cli-io.js';

const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads all of stdin as a secret (`--password-stdin`), dropping one trailing line break so
 * `echo "$PW" | slipway …` and a file with a final newline both work.
 */
export async function readSecretFromStdin(io: CliIo, what = 'password'): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_SECRET_BYTES) throw new CliError(`The ${what} on stdin is longer than ${MAX_SECRET_BYTES} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text.length === 0) throw new CliError(`No ${what} on stdin`);
  if (/[\r\n]/.test(text)) throw new CliError(`The ${what} on stdin must be a single line`);
  return text;
}

/**
 * Asks for a secret on the terminal without echoing it. The prompt goes to stderr so stdout
 * carries only the command's output.
 */
export function promptSecret(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  const setRawMode = stdin.setRawMode?.bind(stdin);
  if (!stdin.isTTY || !setRawMode) {
    return Promise.reject(new CliError('No terminal to ask for the password: pipe it on stdin (--password-stdin)'));
  }
  io.stderr.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let value = '';
    let inEscape = false;
    const finish = () => {
      stdin.removeListener('data', onData);
      setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        // Arrow and function keys arrive as ESC [ … letter; they are not part of a password.
        if (inEscape) {
          if (/[A-Za-z~]/.test(ch)) inEscape = false;
          continue;
        }
        const code = ch.codePointAt(0) ?? 0;
        if (code === 0x1b) inEscape = true;
        else if (code === 0x0d || code === 0x0a || code === 0x04) {
          finish();
          resolve(value);
          return;
        } else if (code === 0x03) {
          finish();
          reject(new CliError('Cancelled', 130));
          return;
        } else if (code === 0x7f || code === 0x08) value = value.slice(0, -1);
        else if (code >= 0x20) value += ch;
      }
    };
    setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
