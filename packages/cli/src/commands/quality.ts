import { unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import { count, plural, type QualityReport, refOf } from '../cmdb-api.js';
import { shortTime } from '../table-format.js';
import { boundedInteger } from './impact.js';

interface QualityOptions extends ApiOptions {
  staleDays?: number;
  examples?: number;
  json?: boolean;
}

function category(title: string, found: number, examples: string[]): string[] {
  if (found === 0) return [`${title}: none`];
  const lines = [`${title}: ${count(found)}`, ...examples.map((e) => `  ${e}`)];
  if (examples.length < found) lines.push(`  … ${count(found - examples.length)} more`);
  return lines;
}

/** The data-quality report, one category after another, each with its count and first examples. */
export function describeQuality(report: QualityReport): string[] {
  const { totals, withoutOwner, orphans, notSeen, duplicates, retiredRelationships } = report;
  const ignored = orphans.ignoredClasses.length > 0 ? ` (not counting ${orphans.ignoredClasses.join(', ')})` : '';
  return [
    `CMDB data quality: ${plural(totals.cis, 'CI')} (${count(totals.liveCis)} live), ${plural(totals.relationships, 'relationship')}`,
    '',
    ...category(
      'Without owner',
      withoutOwner.count,
      withoutOwner.examples.map((c) => `${refOf(c)}  #${c.id}`),
    ),
    ...category(
      `Orphans${ignored}`,
      orphans.count,
      orphans.examples.map((c) => `${refOf(c)}  #${c.id}`),
    ),
    ...category(
      `Not seen by their source for ${notSeen.staleDays} days (since ${shortTime(notSeen.cutoff)})`,
      notSeen.count,
      notSeen.examples.map(
        (c) => `${refOf(c)}  #${c.id}  source ${c.source ?? '-'}, last seen ${shortTime(c.lastSeenAt)}`,
      ),
    ),
    ...category(
      `Likely duplicates (${plural(duplicates.cis, 'CI')} in groups)`,
      duplicates.count,
      duplicates.examples.map((g) => `${g.class}: ${g.cis.map((c) => `${c.name} #${c.id}`).join(', ')}`),
    ),
    ...category(
      'Relationships to retired CIs',
      retiredRelationships.count,
      retiredRelationships.examples.map(
        (r) => `#${r.id}  ${refOf(r.source)} (${r.source.status}) ${r.type} ${refOf(r.target)} (${r.target.status})`,
      ),
    ),
  ];
}

/** `slipway quality`: the CMDB data-quality report. */
export function registerQuality(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('quality')
      .description(
        'CMDB data quality: CIs without owner, orphans, CIs not seen by their import source, likely duplicates, relationships to retired CIs',
      )
      .option(
        '--stale-days <n>',
        'a CI its source has not reported for this many days is "not seen" (default 30)',
        boundedInteger(1, 3650),
      )
      .option('--examples <n>', 'examples listed per category (default 10)', boundedInteger(0, 100))
      .option('--json', 'print the report as JSON'),
  ).action(async (options: QualityOptions) => {
    const { api } = apiClient(options, io);
    const report = await unwrap(
      api.GET('/api/v1/cmdb/quality', {
        params: {
          query: {
            ...(options.staleDays !== undefined && { staleDays: options.staleDays }),
            ...(options.examples !== undefined && { examples: options.examples }),
          },
        },
      }),
    );
    if (options.json) printJson(io, report);
    else printLines(io, ...describeQuality(report));
  });
}
