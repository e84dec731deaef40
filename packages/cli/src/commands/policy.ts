import fs from 'node:fs';
import { SlipwayApiError, type SlipwayClient, unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { streamedBody } from '../streaming-body.js';
import { formatTable, shortTime } from '../table-format.js';

interface JsonOption extends ApiOptions {
  json?: boolean;
}

interface Problem {
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

function readPolicy(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** `file:line:column path: message`, the way compilers print, so editors jump to the line. */
function problemLines(file: string, problems: readonly Problem[]): string[] {
  return problems.map(
    (p) =>
      `${file}${p.line === null ? '' : `:${p.line}${p.column === null ? '' : `:${p.column}`}`} ${p.path || '/'}: ${p.message}`,
  );
}

/** The YAML as the body of a typed-client call (the generated types only know JSON bodies). */
function yamlBody(yaml: Buffer) {
  return streamedBody(async function* () {
    yield yaml;
  }, 'application/yaml');
}

async function currentVersion(api: SlipwayClient): Promise<number> {
  return (await unwrap(api.GET('/api/v1/policy'))).version;
}

/** `slipway policy show|check|apply|history`: the release policy as code. */
export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .description('The release policy as code: show, check, apply, history (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    policy
      .command('show')
      .description('Print the current policy YAML (or one version with --version)')
      .option('--version <n>', 'an earlier version')
      .option('--json', 'print JSON (the parsed policy too)'),
  ).action(async (options: JsonOption & { version?: string }) => {
    const { api } = apiClient(options, io);
    const found =
      options.version === undefined
        ? await unwrap(api.GET('/api/v1/policy'))
        : await unwrap(
            api.GET('/api/v1/policy/versions/{version}', { params: { path: { version: Number(options.version) } } }),
          );
    if (options.json) printJson(io, found);
    else io.stdout.write(found.yaml.endsWith('\n') ? found.yaml : `${found.yaml}\n`);
  });

  withApiOptions(
    policy
      .command('check')
      .description('Validate a policy file without applying it: every problem with its line and path')
      .argument('<file>', 'the policy YAML')
      .option('--json', 'print JSON'),
  ).action(async (file: string, options: JsonOption) => {
    const yaml = readPolicy(file);
    const { api } = apiClient(options, io);
    const result = await unwrap(api.POST('/api/v1/policy/check', { ...yamlBody(yaml) } as never));
    const checked = result as { valid: boolean; problems: Problem[] };
    if (options.json) printJson(io, checked);
    else if (checked.valid) printLines(io, `${file}: valid`);
    else printLines(io, ...problemLines(file, checked.problems));
    if (!checked.valid) throw new CliError(`${file}: ${checked.problems.length} problem(s); nothing applied`);
  });

  withApiOptions(
    policy
      .command('apply')
      .description('Apply a policy file as the new version (validated first; admins only)')
      .argument('<file>', 'the policy YAML')
      .option('--comment <text>', 'why this version (shown in the history)')
      .option('--json', 'print JSON'),
  ).action(async (file: string, options: JsonOption & { comment?: string }) => {
    const yaml = readPolicy(file);
    const { api } = apiClient(options, io);
    const expected = await currentVersion(api);
    try {
      const applied = (await unwrap(
        api.PUT('/api/v1/policy', {
          params: {
            header: { 'if-match': `"${expected}"` },
            query: options.comment !== undefined ? { comment: options.comment } : {},
          },
          ...yamlBody(yaml),
        } as never),
      )) as { version: number };
      if (options.json) printJson(io, applied);
      else printLines(io, `Applied ${file} as policy version ${applied.version} (was ${expected})`);
    } catch (error) {
      if (error instanceof SlipwayApiError && Array.isArray(error.details.problems)) {
        io.stderr.write(`${problemLines(file, error.details.problems as Problem[]).join('\n')}\n`);
      }
      throw error;
    }
  });

  withApiOptions(
    policy.command('history').description('Every applied version, newest first').option('--json', 'print JSON'),
  ).action(async (options: JsonOption) => {
    const { api } = apiClient(options, io);
    const page = await unwrap(api.GET('/api/v1/policy/versions', { params: { query: { limit: 100 } } }));
    if (options.json) printJson(io, page);
    else
      printLines(
        io,
        formatTable(page.items, [
          { header: 'VERSION', value: (v) => String(v.version) },
          { header: 'BY', value: (v) => v.createdBy },
          { header: 'AT (UTC)', value: (v) => shortTime(v.createdAt) },
          { header: 'COMMENT', value: (v) => v.comment },
        ]),
      );
  });
}
