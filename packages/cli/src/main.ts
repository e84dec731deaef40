import { processIo } from './cli-io.js';
import { runCli } from './cli-program.js';

// `slipway user list | head` closes the pipe early; that is the reader's choice, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// exitCode, not exit(): `serve` resolves once listening and the server keeps the process alive.
process.exitCode = await runCli(process.argv.slice(2), processIo());
