import tty from 'node:tty';
import cliProgress from 'cli-progress';
import type { CliIo } from './cli-io.js';

export interface ProgressOptions {
  /** What is being done, shown before the bar: `Backing up`. */
  label: string;
  /** How many units make 100 % (may be corrected later with `update(value, total)`). */
  total: number;
  /** The unit of `total`, shown after the counts: `pages`, `lines`, `bytes`. */
  unit?: string;
  /** `--json` was given: stay silent, stdout and stderr belong to the script. */
  json?: boolean;
}

/** A progress indicator for long work (backups, imports, uploads). */
export interface Progress {
  /** Sets the units done so far, and optionally a new total. */
  update(value: number, total?: number): void;
  /** Adds `delta` (default 1) units done. */
  increment(delta?: number): void;
  /** Ends the bar, leaving its last state on the terminal. Safe to call twice. */
  stop(): void;
}

const SILENT: Progress = { update: () => {}, increment: () => {}, stop: () => {} };

/**
 * A progress bar on stderr when stderr is a terminal and the output is for a person; silent
 * otherwise, so CI logs and `--json` output never fill with redraw sequences. Callers print
 * their own one-line summary when the work is done.
 */
export function startProgress(io: CliIo, options: ProgressOptions): Progress {
  const stream = io.stderr;
  // Only a real terminal stream has the cursor controls cli-progress redraws with.
  if (options.json || !(stream instanceof tty.WriteStream) || !stream.isTTY) return SILENT;
  const unit = options.unit ? ` ${options.unit}` : '';
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label} [{bar}] {percentage}% | {value}/{total}${unit} | {duration_formatted} elapsed, ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(0, options.total), 0);
  let stopped = false;
  return {
    update(value, total) {
      if (stopped) return;
      if (total !== undefined) bar.setTotal(total);
      bar.update(value);
    },
    increment(delta = 1) {
      if (!stopped) bar.increment(delta);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
