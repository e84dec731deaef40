import { paginate, SlipwayApiError, type SlipwayClient, unwrap } from '@slipway/client';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { type Baseline, type BaselineDiff, count, plural, refOf, resolveCiId, showValue } from '../cmdb-api.js';
import { formatTable, shortTime } from '../table-format.js';
import { boundedInteger } from './impact.js';

const CLOSURES = ['none', 'impact', 'dependencies', 'both'] as const;
type Closure = (typeof CLOSURES)[number];

interface TakeOptions extends ApiOptions {
  description?: string;
  ci?: string[];
  closure?: Closure;
  json?: boolean;
}

interface ListOptions extends ApiOptions {
  limit?: number;
  all?: boolean;
  json?: boolean;
}

interface DiffOptions extends ApiOptions {
  against?: string;
  limit?: number;
  all?: boolean;
  json?: boolean;
}

type CiSnapshot = BaselineDiff['cis']['added']['items'][number];
type CiChange = BaselineDiff['cis']['changed']['items'][number];
type RelationshipSnapshot = BaselineDiff['relationships']['added']['items'][number];
type DiffSection = 'cis-added' | 'cis-removed' | 'cis-changed' | 'relationships-added' | 'relationships-removed';

const PAGE = 1000;

function closure(value: string): Closure {
  if (!(CLOSURES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${CLOSURES.join(', ')}`);
  }
  return value as Closure;
}

function scopeText(baseline: Baseline): string {
  if (!baseline.scope) return 'whole CMDB';
  const { ciIds, closure: kind } = baseline.scope;
  const cis = plural(ciIds.length, 'CI');
  return kind === 'none' ? cis : `${cis} + ${kind}`;
}

/**
 * The baseline a user named: an id, else a name. A number is tried as an id first and then as
 * a name, so a baseline called "2026" can still be named.
 */
export async function resolveBaseline(api: SlipwayClient, text: string): Promise<Baseline> {
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text)) && Number(text) > 0) {
    try {
      return await unwrap(api.GET('/api/v1/baselines/{id}', { params: { path: { id: Number(text) } } }));
    } catch (error) {
      if (!(error instanceof SlipwayApiError && error.status === 404)) throw error;
    }
  }
  const pages = paginate((cursor) =>
    unwrap(
      api.GET('/api/v1/baselines', { params: { query: { limit: PAGE, ...(cursor !== undefined && { cursor }) } } }),
    ),
  );
  for await (const baseline of pages) if (baseline.name === text) return baseline;
  throw new CliError(`No baseline named "${text}" (slipway baseline list shows them)`);
}

function isCiSnapshot(item: unknown): item is CiSnapshot {
  return typeof item === 'object' && item !== null && 'attributes' in item;
}

function isCiChange(item: unknown): item is CiChange {
  return typeof item === 'object' && item !== null && 'changes' in item;
}

function isRelationshipSnapshot(item: unknown): item is RelationshipSnapshot {
  return typeof item === 'object' && item !== null && 'sourceId' in item;
}

/** Follows a section's `next` until the section is complete. */
async function completeSection<T>(
  api: SlipwayClient,
  id: number,
  against: string,
  section: DiffSection,
  part: { items: T[]; next: string | null },
  accept: (item: unknown) => item is T,
): Promise<void> {
  let cursor = part.next;
  while (cursor !== null) {
    const page = await unwrap(
      api.GET('/api/v1/baselines/{id}/diff/{section}', {
        params: { path: { id, section }, query: { against, cursor, limit: PAGE } },
      }),
    );
    for (const item of page.items) if (accept(item)) part.items.push(item);
    cursor = page.items.length > 0 ? page.next : null;
  }
  part.next = null;
}

function section<T>(title: string, part: { count: number; items: T[] }, line: (item: T) => string[]): string[] {
  if (part.count === 0) return [];
  const lines = ['', `${title} (${count(part.count)})`, ...part.items.flatMap(line)];
  if (part.items.length < part.count) {
    lines.push(`  … ${count(part.count - part.items.length)} more (--all lists them)`);
  }
  return lines;
}

function describeRelationship(r: RelationshipSnapshot): string {
  return `${refOf(r.source)} ${r.type} ${refOf(r.target)}`;
}

function describeDiff(diff: BaselineDiff): string[] {
  const against = diff.against.live
    ? 'the live CMDB'
    : `baseline ${diff.against.name} (id ${diff.against.id}, taken ${shortTime(diff.against.createdAt)})`;
  const { cis, relationships } = diff;
  const lines = [
    `Baseline ${diff.baseline.name} (id ${diff.baseline.id}, taken ${shortTime(diff.baseline.createdAt)}) against ${against}`,
    `CIs: ${count(cis.added.count)} added, ${count(cis.removed.count)} removed, ${count(cis.changed.count)} changed; ` +
      `relationships: ${count(relationships.added.count)} added, ${count(relationships.removed.count)} removed`,
  ];
  const total =
    cis.added.count + cis.removed.count + cis.changed.count + relationships.added.count + relationships.removed.count;
  if (total === 0) return [...lines, 'No differences'];
  return [
    ...lines,
    ...section('Added CIs', cis.added, (c) => [`  + ${refOf(c)}  #${c.id}`]),
    ...section('Removed CIs', cis.removed, (c) => [`  - ${refOf(c)}  #${c.id}`]),
    ...section('Changed CIs', cis.changed, (c) => [
      `  ~ ${refOf(c)}  #${c.id}  (version ${c.fromVersion} → ${c.toVersion})`,
      ...Object.entries(c.changes).map(
        ([field, change]) => `      ${field}: ${showValue(change.from)} → ${showValue(change.to)}`,
      ),
    ]),
    ...section('Added relationships', relationships.added, (r) => [`  + ${describeRelationship(r)}`]),
    ...section('Removed relationships', relationships.removed, (r) => [`  - ${describeRelationship(r)}`]),
  ];
}

/** `slipway baseline take|list|diff`: named, immutable snapshots of the CMDB. */
export function registerBaselineCommands(program: Command, io: CliIo): void {
  const baseline = program
    .command('baseline')
    .description('Baselines: immutable snapshots of the CMDB, and what changed since (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    baseline
      .command('take')
      .description('Take a baseline of the whole CMDB, or of some CIs (--ci) and their closure')
      .argument('<name>', 'a unique name, e.g. before-dc-move')
      .option('--description <text>', 'what it is for')
      .option('--ci <ci...>', 'CIs the scope starts from (class/name or id; repeatable)')
      .option('--closure <closure>', 'with --ci: add none (default), impact, dependencies or both', closure)
      .option('--json', 'print JSON'),
  ).action(async (name: string, options: TakeOptions) => {
    if (options.closure !== undefined && options.ci === undefined) {
      throw new CliError('--closure needs --ci: the closure is taken from the listed CIs');
    }
    const { api } = apiClient(options, io);
    const ciIds = options.ci ? await Promise.all(options.ci.map((ref) => resolveCiId(api, ref))) : undefined;
    const taken = await unwrap(
      api.POST('/api/v1/baselines', {
        body: {
          name,
          ...(options.description !== undefined && { description: options.description }),
          ...(ciIds !== undefined && { scope: { ciIds, closure: options.closure ?? 'none' } }),
        },
      }),
    );
    if (options.json) printJson(io, { baseline: taken });
    else {
      printLines(
        io,
        `Took baseline ${taken.name} (id ${taken.id}, ${scopeText(taken)}): ${plural(taken.ciCount, 'CI')}, ${plural(taken.relationshipCount, 'relationship')}`,
      );
    }
  });

  withApiOptions(
    baseline
      .command('list')
      .description('List baselines, newest first')
      .option('--limit <n>', `how many (default 50, at most ${PAGE})`, boundedInteger(1, PAGE))
      .option('--all', 'every baseline')
      .option('--json', 'print JSON'),
  ).action(async (options: ListOptions) => {
    const { api } = apiClient(options, io);
    const limit = options.all ? PAGE : (options.limit ?? 50);
    const items: Baseline[] = [];
    let next: string | null = null;
    do {
      const page: { items: Baseline[]; next: string | null } = await unwrap(
        api.GET('/api/v1/baselines', { params: { query: { limit, ...(next !== null && { cursor: next }) } } }),
      );
      items.push(...page.items);
      next = page.items.length > 0 ? page.next : null;
    } while (options.all && next !== null);
    if (options.json) {
      printJson(io, { items, next });
      return;
    }
    if (items.length === 0) {
      printLines(io, 'No baselines');
      return;
    }
    printLines(
      io,
      formatTable(items, [
        { header: 'ID', value: (b) => String(b.id) },
        { header: 'NAME', value: (b) => b.name },
        { header: 'SCOPE', value: scopeText },
        { header: 'CIS', value: (b) => count(b.ciCount) },
        { header: 'RELATIONSHIPS', value: (b) => count(b.relationshipCount) },
        { header: 'BY', value: (b) => b.createdBy },
        { header: 'TAKEN', value: (b) => shortTime(b.createdAt) },
      ]),
    );
    if (next !== null) printLines(io, `(newest ${count(items.length)}; --all lists every baseline)`);
  });

  withApiOptions(
    baseline
      .command('diff')
      .description('What changed between a baseline and the live CMDB (default) or another baseline')
      .argument('<baseline>', 'the baseline: id or name')
      .option('--against <baseline>', '"live" (default) or another baseline: id or name')
      .option(
        '--limit <n>',
        `items listed per section (default 100, at most ${PAGE}; 0: counts only)`,
        boundedInteger(0, PAGE),
      )
      .option('--all', 'list every item of every section')
      .option('--json', 'print the diff as JSON'),
  ).action(async (ref: string, options: DiffOptions) => {
    const { api } = apiClient(options, io);
    const from = await resolveBaseline(api, ref);
    const against =
      options.against === undefined || options.against === 'live'
        ? 'live'
        : String((await resolveBaseline(api, options.against)).id);
    const diff = await unwrap(
      api.GET('/api/v1/baselines/{id}/diff', {
        params: { path: { id: from.id }, query: { against, limit: options.all ? PAGE : (options.limit ?? 100) } },
      }),
    );
    if (options.all) {
      await completeSection(api, from.id, against, 'cis-added', diff.cis.added, isCiSnapshot);
      await completeSection(api, from.id, against, 'cis-removed', diff.cis.removed, isCiSnapshot);
      await completeSection(api, from.id, against, 'cis-changed', diff.cis.changed, isCiChange);
      await completeSection(
        api,
        from.id,
        against,
        'relationships-added',
        diff.relationships.added,
        isRelationshipSnapshot,
      );
      await completeSection(
        api,
        from.id,
        against,
        'relationships-removed',
        diff.relationships.removed,
        isRelationshipSnapshot,
      );
    }
    if (options.json) printJson(io, diff);
    else printLines(io, ...describeDiff(diff));
  });
}
