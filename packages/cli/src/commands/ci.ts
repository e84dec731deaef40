import { type SlipwayClient, unwrap } from '@slipway/client';
import { type CiStatus, CRITICALITIES, type Criticality } from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import {
  type Ci,
  ciStatus,
  count,
  type HistoryEntry,
  type Relationship,
  refOf,
  resolveCi,
  showValue,
} from '../cmdb-api.js';
import { typedValue } from '../import-source.js';
import { fetchPaginatedList, type PagingOptions, printMoreLine, withPagingOptions } from '../paginated-list.js';
import { formatTable, shortTime } from '../table-format.js';
import { boundedInteger } from './impact.js';

interface ListOptions extends ApiOptions, PagingOptions {
  class?: string;
  q?: string;
  environment?: string;
  status?: CiStatus;
  owner?: string;
  json?: boolean;
}

interface ShowOptions extends ApiOptions {
  history: number;
  json?: boolean;
}

interface HistoryOptions extends ApiOptions, PagingOptions {
  json?: boolean;
}

interface CreateOptions extends ApiOptions {
  class: string;
  name: string;
  attr?: string[];
  status?: CiStatus;
  environment?: string;
  owner?: string;
  criticality?: Criticality;
  json?: boolean;
}

interface RetireOptions extends ApiOptions {
  json?: boolean;
}

/** Relationships `ci show` lists; a CI with more (a core switch) says so. */
const SHOWN_RELATIONSHIPS = 200;
const PAGE = 1000;

function criticality(value: string): Criticality {
  if (!(CRITICALITIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${CRITICALITIES.join(', ')}`);
  }
  return value as Criticality;
}

/** `name=value` pairs from --attr, each split at its first `=`. */
export function parseAttributePairs(pairs: readonly string[]): [string, string][] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--attr "${pair}": expected name=value, e.g. --attr cpu_cores=8`);
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
  });
}

/** `status: planned → active; attributes.version: 1.0 → 1.1` */
export function describeChanges(changes: HistoryEntry['changes']): string {
  const parts = Object.entries(changes).map(
    ([field, change]) => `${field}: ${showValue(change.from)} → ${showValue(change.to)}`,
  );
  return parts.length > 0 ? parts.join('; ') : '-';
}

function historyTable(entries: readonly HistoryEntry[]): string {
  return formatTable(entries, [
    { header: 'AT', value: (e) => shortTime(e.at) },
    { header: 'ACTION', value: (e) => e.action },
    { header: 'BY', value: (e) => e.actor.name },
    { header: 'UNDER', value: (e) => e.context ?? '-' },
    { header: 'CHANGES', value: (e) => describeChanges(e.changes) },
  ]);
}

/** A relationship seen from one of its ends: `runs_on server/web-01`, or from the target `hosts application/shop`. */
export function relationshipFrom(ciId: number, relationship: Relationship): { type: string; other: string } {
  return relationship.sourceId === ciId
    ? { type: relationship.type, other: refOf(relationship.target) }
    : { type: relationship.inverse, other: refOf(relationship.source) };
}

function keyValues(pairs: readonly [string, string][], indent = '  '): string[] {
  const width = Math.max(0, ...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `${indent}${key.padEnd(width)}  ${value}`);
}

function describeCi(ci: Ci, relationships: Relationship[], more: boolean, history: HistoryEntry[]): string[] {
  const seen = ci.source ? `${ci.source}, last seen ${shortTime(ci.lastSeenAt)}` : '- (created by hand)';
  const lines = [
    `${refOf(ci)} (id ${ci.id}, version ${ci.version})`,
    ...keyValues([
      ['status', ci.status],
      ['environment', showValue(ci.environment)],
      ['owner', showValue(ci.owner)],
      ['criticality', showValue(ci.criticality)],
      ['source', seen],
      ['created', shortTime(ci.createdAt)],
      ['updated', shortTime(ci.updatedAt)],
    ]),
    '',
  ];
  const attributes = Object.entries(ci.attributes).sort(([a], [b]) => a.localeCompare(b));
  if (attributes.length === 0) lines.push('Attributes: none');
  else lines.push('Attributes', ...keyValues(attributes.map(([key, value]) => [key, showValue(value)])));
  lines.push('');
  if (relationships.length === 0) lines.push('Relationships: none');
  else {
    const rows = relationships
      .map((r) => ({ ...relationshipFrom(ci.id, r), id: r.id, origin: r.origin }))
      .sort((a, b) => a.type.localeCompare(b.type) || a.other.localeCompare(b.other));
    lines.push(
      `Relationships (${more ? `first ${count(rows.length)}` : count(rows.length)})`,
      ...formatTable(rows, [
        { header: 'TYPE', value: (r) => r.type },
        { header: 'CI', value: (r) => r.other },
        { header: 'REL', value: (r) => String(r.id) },
        { header: 'ORIGIN', value: (r) => r.origin },
      ])
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  lines.push('');
  if (history.length === 0) lines.push('History: none');
  else {
    lines.push(
      `History (latest ${count(history.length)}; slipway ci history ${ci.id} for all)`,
      ...historyTable(history)
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  return lines;
}

async function attributesFor(api: SlipwayClient, className: string, pairs: readonly string[]) {
  const parsed = parseAttributePairs(pairs);
  if (parsed.length === 0) return undefined;
  const ciClass = await unwrap(api.GET('/api/v1/ci-classes/{name}', { params: { path: { name: className } } }));
  const types = new Map(ciClass.attributes.map((a) => [a.name, a.type]));
  return Object.fromEntries(parsed.map(([name, value]) => [name, typedValue(types.get(name), value)]));
}

/** `slipway ci list|show|history|create|retire`: configuration items. */
export function registerCiCommands(program: Command, io: CliIo): void {
  const ci = program.command('ci').description('Configuration items in the CMDB (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    withPagingOptions(
      ci
        .command('list')
        .description('List and search configuration items')
        .option('--class <class>', 'only this class, e.g. server')
        .option('--q <text>', 'part of the name, case-insensitive')
        .option('--environment <environment>', 'only this environment')
        .option('--status <status>', 'planned, active, maintenance or retired', ciStatus)
        .option('--owner <owner>', 'only this owner')
        .option('--json', 'print JSON'),
      'match',
    ),
  ).action(async (options: ListOptions) => {
    const { api } = apiClient(options, io);
    const query = {
      ...(options.class !== undefined && { class: options.class }),
      ...(options.q !== undefined && { q: options.q }),
      ...(options.environment !== undefined && { environment: options.environment }),
      ...(options.status !== undefined && { status: options.status }),
      ...(options.owner !== undefined && { owner: options.owner }),
    };
    const { items, next } = await fetchPaginatedList(
      (cursor, limit) =>
        unwrap(
          api.GET('/api/v1/cis', { params: { query: { ...query, limit, ...(cursor !== undefined && { cursor }) } } }),
        ),
      options,
    );
    if (options.json) {
      printJson(io, { items, next });
      return;
    }
    if (items.length === 0) {
      printLines(io, 'No CIs match');
      return;
    }
    printLines(
      io,
      formatTable(items, [
        { header: 'ID', value: (c) => String(c.id) },
        { header: 'CLASS', value: (c) => c.class },
        { header: 'NAME', value: (c) => c.name },
        { header: 'STATUS', value: (c) => c.status },
        { header: 'ENVIRONMENT', value: (c) => showValue(c.environment) },
        { header: 'OWNER', value: (c) => showValue(c.owner) },
        { header: 'UPDATED', value: (c) => shortTime(c.updatedAt) },
      ]),
    );
    printMoreLine(io, { items, next }, 'match');
  });

  withApiOptions(
    ci
      .command('show')
      .description('One CI: its fields, attributes, relationships (both directions) and latest history')
      .argument('<ci>', 'class/name (e.g. server/web-01) or the numeric id')
      .option('--history <n>', 'history entries to show', boundedInteger(0, PAGE), 5)
      .option('--json', 'print JSON: { ci, relationships, moreRelationships, history }'),
  ).action(async (ref: string, options: ShowOptions) => {
    const { api } = apiClient(options, io);
    const found = await resolveCi(api, ref);
    const [relationshipPage, history] = await Promise.all([
      unwrap(api.GET('/api/v1/relationships', { params: { query: { ciId: found.id, limit: SHOWN_RELATIONSHIPS } } })),
      options.history > 0
        ? unwrap(
            api.GET('/api/v1/cis/{id}/history', {
              params: { path: { id: found.id }, query: { limit: options.history } },
            }),
          ).then((page) => page.items)
        : Promise.resolve([]),
    ]);
    const more = relationshipPage.next !== null;
    if (options.json) {
      printJson(io, { ci: found, relationships: relationshipPage.items, moreRelationships: more, history });
      return;
    }
    printLines(io, ...describeCi(found, relationshipPage.items, more, history));
  });

  withApiOptions(
    withPagingOptions(
      ci
        .command('history')
        .description(
          'Who changed what on a CI, when, from what to what, and under which change or release (newest first)',
        )
        .argument('<ci>', 'class/name or the numeric id')
        .option('--json', 'print JSON'),
      'entry',
    ),
  ).action(async (ref: string, options: HistoryOptions) => {
    const { api } = apiClient(options, io);
    const found = await resolveCi(api, ref);
    const { items: entries, next } = await fetchPaginatedList(
      (cursor, limit) =>
        unwrap(
          api.GET('/api/v1/cis/{id}/history', {
            params: { path: { id: found.id }, query: { limit, ...(cursor !== undefined && { cursor }) } },
          }),
        ),
      options,
    );
    if (options.json) {
      printJson(io, { ci: { id: found.id, class: found.class, name: found.name }, items: entries, next });
      return;
    }
    printLines(io, `History of ${refOf(found)} (id ${found.id})`);
    printLines(io, entries.length === 0 ? 'No history' : historyTable(entries));
    printMoreLine(io, { items: entries, next }, 'entry');
  });

  withApiOptions(
    ci
      .command('create')
      .description('Create a configuration item')
      .requiredOption('--class <class>', 'its class, e.g. server (see GET /api/v1/ci-classes)')
      .requiredOption('--name <name>', 'its name, unique within the class')
      .option(
        '--attr <name=value...>',
        'an attribute (repeatable); numbers and booleans are converted as the class says',
      )
      .option('--status <status>', 'planned, active (default), maintenance or retired', ciStatus)
      .option('--environment <environment>', 'e.g. production')
      .option('--owner <owner>', 'the team or person responsible')
      .option('--criticality <criticality>', CRITICALITIES.join(', '), criticality)
      .option('--json', 'print JSON'),
  ).action(async (options: CreateOptions) => {
    const { api } = apiClient(options, io);
    const attributes = await attributesFor(api, options.class, options.attr ?? []);
    const created = await unwrap(
      api.POST('/api/v1/cis', {
        body: {
          class: options.class,
          name: options.name,
          ...(options.status !== undefined && { status: options.status }),
          ...(options.environment !== undefined && { environment: options.environment }),
          ...(options.owner !== undefined && { owner: options.owner }),
          ...(options.criticality !== undefined && { criticality: options.criticality }),
          ...(attributes !== undefined && { attributes }),
        },
      }),
    );
    if (options.json) printJson(io, { ci: created });
    else printLines(io, `Created ${refOf(created)} (id ${created.id})`);
  });

  withApiOptions(
    ci
      .command('retire')
      .description('Retire a CI: it stays, with its relationships and history, with status retired')
      .argument('<ci>', 'class/name or the numeric id')
      .option('--json', 'print JSON'),
  ).action(async (ref: string, options: RetireOptions) => {
    const { api } = apiClient(options, io);
    const found = await resolveCi(api, ref);
    const retired = await unwrap(
      api.POST('/api/v1/cis/{id}/retire', {
        params: { path: { id: found.id } },
        // The version we looked at: a CI changed meanwhile is refused (412) rather than retired blind.
        headers: { 'if-match': `"${found.version}"` },
      }),
    );
    if (options.json) printJson(io, { ci: retired });
    else printLines(io, `Retired ${refOf(retired)} (id ${retired.id})`);
  });
}
