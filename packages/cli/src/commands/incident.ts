import { unwrap } from '@slipway/client';
import { INCIDENT_SEVERITIES, type IncidentSeverity } from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import { positiveInt } from '../option-parsers.js';
import { fetchPaginatedList, type PagingOptions, printMoreLine, withPagingOptions } from '../paginated-list.js';
import { formatTable, shortTime } from '../table-format.js';

function idList(value: string, previous: number[] = []): number[] {
  return [...previous, ...value.split(',').map((v) => positiveInt(v.trim()))];
}

function severity(value: string): IncidentSeverity {
  if (!(INCIDENT_SEVERITIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${INCIDENT_SEVERITIES.join(', ')}`);
  }
  return value as IncidentSeverity;
}

interface IncidentLike {
  id: number;
  title: string;
  severity: string;
  startedAt: string;
  resolvedAt: string | null;
  durationMinutes: number | null;
  cause: { kind: string; id: number; title: string } | null;
  cis: { class: string; name: string }[];
}

const describeCause = (i: IncidentLike) => (i.cause ? `${i.cause.kind} #${i.cause.id}` : '(not recorded)');

/** `slipway incident create|list|resolve`: incidents and the release or change that caused them. */
export function registerIncidentCommands(program: Command, io: CliIo): void {
  const incident = program
    .command('incident')
    .description('Incidents: what broke, when, and which release or change caused it');

  withApiOptions(
    incident
      .command('create')
      .description('Record an incident')
      .requiredOption('--title <text>', 'what broke')
      .option('--started <time>', 'when it started (ISO 8601); default now')
      .option('--resolved <time>', 'when it was resolved (ISO 8601)')
      .option('--severity <level>', INCIDENT_SEVERITIES.join(' | '), severity)
      .option('--ci <ids>', 'affected CI ids (comma-separated, repeatable)', idList)
      .option('--caused-by-release <id>', 'the release that caused it', positiveInt)
      .option('--caused-by-change <id>', 'the change that caused it', positiveInt)
      .option('--cause-note <text>', 'how the cause was established')
      .option('--description <text>', 'details')
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: ApiOptions & {
        title: string;
        started?: string;
        resolved?: string;
        severity?: IncidentSeverity;
        ci?: number[];
        causedByRelease?: number;
        causedByChange?: number;
        causeNote?: string;
        description?: string;
        json?: boolean;
      },
    ) => {
      const { api } = apiClient(options, io);
      const created = await unwrap(
        api.POST('/api/v1/incidents', {
          body: {
            title: options.title,
            startedAt: options.started ?? new Date().toISOString(),
            ...(options.resolved !== undefined && { resolvedAt: options.resolved }),
            ...(options.severity !== undefined && { severity: options.severity }),
            ...(options.ci !== undefined && { ciIds: options.ci }),
            ...(options.causedByRelease !== undefined && { causedByReleaseId: options.causedByRelease }),
            ...(options.causedByChange !== undefined && { causedByChangeId: options.causedByChange }),
            ...(options.causeNote !== undefined && { causeNote: options.causeNote }),
            ...(options.description !== undefined && { description: options.description }),
          },
        }),
      );
      if (options.json) printJson(io, created);
      else printLines(io, `Recorded incident #${created.id} (${created.severity}), cause: ${describeCause(created)}`);
    },
  );

  withApiOptions(
    withPagingOptions(
      incident
        .command('list')
        .description('Incidents, newest first')
        .option('--open', 'only open incidents')
        .option('--release <id>', 'only those caused by this release', positiveInt)
        .option('--change <id>', 'only those caused by this change', positiveInt)
        .option('--ci <id>', 'only those affecting this CI', positiveInt)
        .option('--json', 'print JSON: an array of the incidents listed'),
      'incident',
    ),
  ).action(
    async (
      options: ApiOptions &
        PagingOptions & {
          open?: boolean;
          release?: number;
          change?: number;
          ci?: number;
          json?: boolean;
        },
    ) => {
      const { api } = apiClient(options, io);
      const listed = await fetchPaginatedList(
        (cursor, limit) =>
          unwrap(
            api.GET('/api/v1/incidents', {
              params: {
                query: {
                  limit,
                  ...(cursor !== undefined && { cursor }),
                  ...(options.open && { open: true }),
                  ...(options.release !== undefined && { releaseId: options.release }),
                  ...(options.change !== undefined && { changeId: options.change }),
                  ...(options.ci !== undefined && { ciId: options.ci }),
                },
              },
            }),
          ),
        options,
      );
      const items: IncidentLike[] = listed.items;
      if (options.json) {
        printJson(io, items);
        return;
      }
      printLines(
        io,
        items.length === 0
          ? 'No incidents'
          : formatTable(items, [
              { header: 'ID', value: (i) => String(i.id) },
              { header: 'SEVERITY', value: (i) => i.severity },
              { header: 'STARTED', value: (i) => shortTime(i.startedAt) },
              { header: 'RESOLVED', value: (i) => (i.resolvedAt ? shortTime(i.resolvedAt) : 'open') },
              { header: 'MINUTES', value: (i) => (i.durationMinutes === null ? '' : String(i.durationMinutes)) },
              { header: 'CAUSE', value: describeCause },
              { header: 'CIS', value: (i) => i.cis.map((c) => `${c.class}/${c.name}`).join(', ') },
              { header: 'TITLE', value: (i) => i.title },
            ]),
      );
      printMoreLine(io, listed, 'incident');
    },
  );

  withApiOptions(
    incident
      .command('resolve')
      .description('Resolve an open incident')
      .argument('<id>', 'incident id', positiveInt)
      .option('--at <time>', 'when it was resolved (ISO 8601); default now')
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: ApiOptions & { at?: string; json?: boolean }) => {
    const { api } = apiClient(options, io);
    const resolved = await unwrap(
      api.POST('/api/v1/incidents/{id}/resolve', {
        params: { path: { id } },
        body: options.at === undefined ? {} : { resolvedAt: options.at },
      }),
    );
    if (options.json) printJson(io, resolved);
    else printLines(io, `Resolved incident #${id} after ${resolved.durationMinutes} minutes`);
  });
}
