import { SlipwayApiError, unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { type CiClass, count, fetchClasses, type ImportResult, plural } from '../cmdb-api.js';
import {
  type AttributeTypes,
  attributeTypesOf,
  ImportBody,
  type ImportFile,
  inspectImportFile,
} from '../import-source.js';
import { startProgress } from '../progress.js';
import { streamedBody } from '../streaming-body.js';

interface ImportOptions extends ApiOptions {
  relationships?: string;
  source?: string;
  atomic?: boolean;
  prune?: boolean;
  json?: boolean;
}

/** An import error, located in the file the user gave. */
export interface LocatedError {
  /** The file as named on the command line (null only if the server names a line no file sent). */
  file: string | null;
  line: number;
  code: string;
  message: string;
}

interface ServerLineError {
  line: number;
  code: string;
  message: string;
}

const SOURCE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function isServerLineError(value: unknown): value is ServerLineError {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return typeof o.line === 'number' && typeof o.code === 'string' && typeof o.message === 'string';
}

/** The server's error for request line N, told as "file line M" with the CLI's own words for rows it refused. */
function locate(body: ImportBody, error: ServerLineError): LocatedError {
  const where = body.locate(error.line);
  const problem = body.problemAt(error.line);
  return {
    file: where.file,
    line: where.line,
    code: problem?.code ?? error.code,
    message: problem?.message ?? error.message,
  };
}

function fileSummary(file: ImportFile) {
  return {
    file: file.path,
    format: file.format,
    kind: file.plan?.kind ?? 'ndjson',
    records: file.records,
    lines: file.lines,
  };
}

function describeFile(file: ImportFile): string {
  const what = file.format === 'csv' ? plural(file.records, 'row') : plural(file.records, 'line');
  return `${file.path} (${what})`;
}

function errorLines(errors: readonly LocatedError[], errorCount: number): string[] {
  if (errorCount === 0) return [];
  const lines = [`${plural(errorCount, 'error')}:`];
  for (const error of errors) {
    lines.push(`  ${error.file ?? 'request'}:${error.line}: ${error.code} ${error.message}`);
  }
  if (errorCount > errors.length) {
    lines.push(
      `  … and ${count(errorCount - errors.length)} more (the server lists the first ${count(errors.length)})`,
    );
  }
  return lines;
}

/**
 * `slipway import <file> [--relationships <file>]`: streams CSV or NDJSON files into
 * POST /api/v1/import as one NDJSON request, converting CSV row by row, and reports the
 * counts and every error at its line in the user's own file.
 */
export function registerImport(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('import')
      .description(
        'Import CIs and relationships from a CSV or NDJSON file (upsert by class/name; re-importing the same data changes nothing)',
      )
      .argument('<file>', 'CIs (CSV with class,name,… or NDJSON), or relationships (CSV with source,type,target)')
      .option(
        '--relationships <file>',
        'relationships to import after the CIs, in the same request (CSV source,type,target or NDJSON)',
      )
      .option('--source <name>', 'name of the feed (e.g. discovery); relationships remember it')
      .option('--atomic', 'all or nothing: any bad line rejects the whole import')
      .option('--prune', "with --source: remove that source's relationships this import no longer contains")
      .option('--json', 'print the result as JSON')
      .addHelpText(
        'after',
        `
Files ending in .csv are CSV; .ndjson, .jsonl and .json are NDJSON (as POST /api/v1/import takes);
other files are NDJSON when they start with "{". A CI CSV has a header line with class and name
and optionally status, environment, owner, criticality; every other column is an attribute
(write attr.<name> for an attribute named like one of those fields). Empty cells are not reported.
Numbers and booleans are converted as the class's attribute types say. Errors name the file and
line; the command exits 1 when any line was not imported. See docs/cli.md.`,
      ),
  ).action(async (file: string, options: ImportOptions) => {
    if (options.source !== undefined && !SOURCE_PATTERN.test(options.source)) {
      throw new CliError(`--source "${options.source}" must be 1–64 letters, digits, ".", "_" or "-"`);
    }
    if (options.prune && options.source === undefined) {
      throw new CliError("--prune needs --source <name>: only that source's relationships are pruned");
    }
    const { api } = apiClient(options, io);
    let classes: Promise<CiClass[]> | undefined;
    const loadClasses = () => {
      classes ??= fetchClasses(api);
      return classes;
    };
    const knownAttributes = async () => new Set((await loadClasses()).flatMap((c) => c.attributes.map((a) => a.name)));

    const files = [await inspectImportFile(file, { knownAttributes })];
    if (options.relationships !== undefined) {
      const relationships = await inspectImportFile(options.relationships, { knownAttributes });
      if (relationships.plan?.kind === 'cis') {
        throw new CliError(
          `${options.relationships}: --relationships takes relationships (a CSV with source,type,target), but this CSV has CI columns`,
        );
      }
      files.push(relationships);
    }
    // Only CI rows are typed; an NDJSON or relationships-only import never asks for the classes.
    const types: AttributeTypes = files.some((f) => f.plan?.kind === 'cis')
      ? attributeTypesOf(await loadClasses())
      : new Map();

    const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
    const progress = startProgress(io, {
      label: 'Importing',
      total: Math.ceil(totalBytes / 1024),
      unit: 'KiB',
      // A bar only for a person watching: not for scripts (--json) nor when the output goes to a file.
      json: options.json === true || io.stdout.isTTY !== true,
    });
    const body = new ImportBody(files, types, (bytes) => progress.update(Math.floor(bytes / 1024)));
    let result: ImportResult;
    try {
      result = await unwrap(
        api.POST('/api/v1/import', {
          params: {
            query: {
              ...(options.source !== undefined && { source: options.source }),
              ...(options.atomic && { atomic: true }),
              ...(options.prune && { prune: true }),
            },
          },
          ...streamedBody(() => body.chunks(), 'application/x-ndjson'),
        }),
      );
    } catch (error) {
      progress.stop();
      if (body.readFailure) throw body.readFailure;
      const listed = error instanceof SlipwayApiError ? error.details.errors : undefined;
      if (error instanceof SlipwayApiError && Array.isArray(listed)) {
        // --atomic: the server rejected everything and says which lines were bad.
        const errors = listed.filter(isServerLineError).map((e) => locate(body, e));
        const errorCount = typeof error.details.errorCount === 'number' ? error.details.errorCount : errors.length;
        if (options.json) {
          printJson(io, { files: files.map(fileSummary), rejected: true, errors, errorCount });
        } else {
          printLines(
            io,
            `Nothing imported from ${files.map(describeFile).join(' and ')}`,
            ...errorLines(errors, errorCount),
          );
        }
      }
      throw error;
    }
    progress.stop();

    const errors = result.errors.map((e) => locate(body, e));
    if (options.json) {
      printJson(io, { files: files.map(fileSummary), ...result, errors });
    } else {
      const { cis, relationships } = result;
      printLines(
        io,
        `Imported ${files.map(describeFile).join(' and ')} in ${(result.durationMs / 1000).toFixed(1)} s`,
        `CIs: ${count(cis.created)} created, ${count(cis.updated)} updated, ${count(cis.unchanged)} unchanged`,
        `Relationships: ${count(relationships.created)} created, ${count(relationships.unchanged)} unchanged, ${count(relationships.pruned)} pruned`,
        ...errorLines(errors, result.errorCount),
      );
    }
    if (result.errorCount > 0) {
      throw new CliError(
        `${plural(result.errorCount, 'line')} ${result.errorCount === 1 ? 'was' : 'were'} not imported; the others were`,
      );
    }
  });
}
