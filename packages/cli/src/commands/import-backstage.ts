import fs from 'node:fs';
import { SlipwayApiError, unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { type BackstageImportResult, count, plural } from '../cmdb-api.js';

interface BackstageOptions extends ApiOptions {
  source?: string;
  atomic?: boolean;
  prune?: boolean;
  json?: boolean;
}

type CatalogProblem = BackstageImportResult['errors'][number];

/** The server takes at most 32 MiB of catalog in one request; say so before sending more. */
const MAX_BYTES = 32 * 1024 * 1024;

function isCatalogProblem(value: unknown): value is CatalogProblem {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return typeof o.line === 'number' && typeof o.code === 'string' && typeof o.message === 'string';
}

/** `services/x/catalog-info.yaml:10: UNKNOWN_ENTITY component:default/x: …` */
function problemLines(errors: readonly CatalogProblem[], errorCount: number): string[] {
  if (errorCount === 0) return [];
  const lines = [`${plural(errorCount, 'error')}:`];
  for (const e of errors) {
    lines.push(`  ${e.file ?? 'body'}:${e.line}: ${e.code}${e.entity ? ` ${e.entity}:` : ''} ${e.message}`);
  }
  if (errorCount > errors.length) lines.push(`  … and ${count(errorCount - errors.length)} more`);
  return lines;
}

function countsByName(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, n]) => `${name} ${count(n)}`)
    .join(', ');
}

/** `slipway import-backstage <catalog-info.yaml…>`: a Backstage software catalog as CIs and relationships. */
export function registerImportBackstage(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('import-backstage')
      .description('Import Backstage catalog-info.yaml files as CIs and relationships, in one import')
      .argument('<files...>', 'catalog-info.yaml files (each may hold several --- separated entities)')
      .option('--source <name>', 'the import source (default backstage)')
      .option('--atomic', 'all or nothing: any error rejects the whole catalog')
      .option('--prune', "remove this source's relationships the catalog no longer declares (send the whole catalog)")
      .option('--json', 'print the result as JSON')
      .addHelpText('after', '\nHow entities become CIs and relationships: docs/cmdb.md#backstage-catalog-import'),
  ).action(async (paths: string[], options: BackstageOptions) => {
    let total = 0;
    const files = paths.map((path) => {
      let content: string;
      try {
        content = fs.readFileSync(path, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}`);
      }
      total += Buffer.byteLength(content);
      // The path as given is what errors name, so the user finds the file again.
      return { path, content: content.replace(/^\uFEFF/, '') };
    });
    if (total > MAX_BYTES) {
      throw new CliError(`The catalog is ${count(total)} bytes; one import takes at most 32 MiB: import it in parts`);
    }
    const { api } = apiClient(options, io);
    let result: BackstageImportResult;
    try {
      result = await unwrap(
        api.POST('/api/v1/import/backstage', {
          params: {
            query: {
              ...(options.source !== undefined && { source: options.source }),
              ...(options.atomic && { atomic: true }),
              ...(options.prune && { prune: true }),
            },
          },
          body: { files },
        }),
      );
    } catch (error) {
      const listed = error instanceof SlipwayApiError ? error.details.errors : undefined;
      if (Array.isArray(listed)) {
        const errors = listed.filter(isCatalogProblem);
        if (options.json) printJson(io, { rejected: true, errors, errorCount: errors.length });
        else
          printLines(
            io,
            `Nothing imported from ${plural(files.length, 'file')}`,
            ...problemLines(errors, errors.length),
          );
      }
      throw error;
    }
    if (options.json) printJson(io, result);
    else {
      const { entities, cis, relationships } = result;
      const skipped = Object.keys(entities.skipped).length > 0 ? `; skipped ${countsByName(entities.skipped)}` : '';
      printLines(
        io,
        `Imported ${plural(files.length, 'file')}: ${plural(entities.read, 'entity', 'entities')} read${entities.read > 0 ? ` (${countsByName(entities.byKind)})` : ''}, ${count(entities.mapped)} became CIs${skipped}`,
        `CIs: ${count(cis.created)} created, ${count(cis.updated)} updated, ${count(cis.unchanged)} unchanged`,
        `Relationships: ${count(relationships.created)} created, ${count(relationships.unchanged)} unchanged, ${count(relationships.pruned)} pruned`,
        ...problemLines(result.errors, result.errorCount),
      );
    }
    if (result.errorCount > 0) {
      throw new CliError(`${plural(result.errorCount, 'problem')} in the catalog; the rest was imported`);
    }
  });
}
