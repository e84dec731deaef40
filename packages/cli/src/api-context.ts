import { createSlipwayClient, type SlipwayClient } from '@slipway/client';
import type { Command } from 'commander';
import { CliError, type CliIo } from './cli-io.js';

export const DEFAULT_URL = 'http://localhost:8080';

/** The flags of every command that talks to a running server. */
export interface ApiOptions {
  url?: string | undefined;
  token?: string | undefined;
}

/** Adds `--url` and `--token` to a command. */
export function withApiOptions(command: Command, { token = true } = {}): Command {
  command.option('--url <url>', `the Slipway server (env SLIPWAY_URL, default ${DEFAULT_URL})`);
  if (token) {
    command.option(
      '--token <token>',
      'API token (env SLIPWAY_TOKEN; prefer the variable: flags show up in process lists)',
    );
  }
  return command;
}

/** `--url`, else SLIPWAY_URL, else the default; validated and without a trailing slash. */
export function serverUrl(options: ApiOptions, io: CliIo): string {
  const raw = options.url ?? io.env.SLIPWAY_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`Invalid server URL "${raw}": expected http://host:port or https://host`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`Invalid server URL "${raw}": only http and https are supported`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** A client authenticated with the API token from `--token` or SLIPWAY_TOKEN. */
export function apiClient(options: ApiOptions, io: CliIo): { api: SlipwayClient; baseUrl: string } {
  const baseUrl = serverUrl(options, io);
  const token = options.token ?? io.env.SLIPWAY_TOKEN;
  if (!token) {
    throw new CliError(
      'No API token: set SLIPWAY_TOKEN or pass --token (get one with `slipway login --username <you>`)',
    );
  }
  return { api: createSlipwayClient({ baseUrl, token }), baseUrl };
}
