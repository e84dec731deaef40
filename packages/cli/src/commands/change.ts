import { type paths, SlipwayApiError, type SlipwayClient, unwrap } from '@slipway/client';
import {
  CHANGE_ACTIONS,
  CHANGE_STATES,
  CHANGE_TRANSITIONS,
  CHANGE_TYPES,
  type ChangeState,
  type ChangeType,
  REVIEW_OUTCOMES,
  type ReviewOutcome,
} from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { resolveCiId } from '../cmdb-api.js';
import { type Lifecycle, lifecycleWords, transitionTarget } from '../lifecycle-words.js';
import { collect, objectId, oneOf, positiveInt, someOf } from '../option-parsers.js';
import { fetchPaginatedList, type PagingOptions, printMoreLine, withPagingOptions } from '../paginated-list.js';
import { formatTable, shortTime } from '../table-format.js';
import { resolveTeamId } from './team.js';

type Change = paths['/api/v1/changes/{id}']['get']['responses'][200]['content']['application/json'];
type ConflictReport = paths['/api/v1/changes/conflicts']['get']['responses'][200]['content']['application/json'];
type ChangeConflicts = paths['/api/v1/changes/{id}/conflicts']['get']['responses'][200]['content']['application/json'];
type Calendar = paths['/api/v1/calendar']['get']['responses'][200]['content']['application/json'];

interface JsonOption extends ApiOptions {
  json?: boolean;
}

interface CreateOptions extends JsonOption {
  type: ChangeType;
  title: string;
  description?: string;
  justification?: string;
  ci?: string[];
  start?: string;
  end?: string;
  implementer?: string;
  backout?: string;
  release?: number;
  template?: number;
  team?: string;
}

interface ListOptions extends JsonOption, PagingOptions {
  state?: string;
  type?: ChangeType;
}

interface ActOptions extends JsonOption {
  comment?: string;
  overrideFreeze?: string;
}

interface ConflictOptions extends JsonOption {
  from?: string;
  to?: string;
  impact?: boolean;
}

interface CalendarOptions extends JsonOption {
  from?: string;
  to?: string;
  sources?: string;
  conflicts?: boolean;
}

interface ReviewOptions extends JsonOption {
  outcome: ReviewOutcome;
  lessons?: string;
  incident?: number[];
}

const changeId = objectId('change', 12);

function collectInt(value: string, previous: number[] = []): number[] {
  return [...previous, positiveInt(value)];
}

/** A date-time as the user typed it (`2026-12-15T22:00Z`, `2026-12-15 22:00`), as ISO-8601 UTC. */
export function instant(value: string): string {
  const normalised = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? value.replace(' ', 'T') : value;
  const ms = Date.parse(
    /[zZ]|[+-]\d{2}:?\d{2}$/.test(normalised) || !normalised.includes('T') ? normalised : `${normalised}Z`,
  );
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected a date-time like 2026-12-15T22:00Z (UTC unless an offset is given)');
  return new Date(ms).toISOString();
}

async function implementerId(api: SlipwayClient, value: string): Promise<number> {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'me') return (await unwrap(api.GET('/api/v1/users/me'))).id;
  try {
    const page = await unwrap(api.GET('/api/v1/users', { params: { query: { q: value, limit: 50 } } }));
    const user = page.items.find((u) => u.username === value);
    if (!user) throw new CliError(`No user "${value}"`);
    return user.id;
  } catch (error) {
    if (error instanceof SlipwayApiError && error.status === 403) {
      throw new CliError(`Looking up "${value}" needs users.read: pass the implementer's numeric id (or "me")`);
    }
    throw error;
  }
}

function window(change: Pick<Change, 'plannedStart' | 'plannedEnd'>): string {
  return change.plannedStart ? `${shortTime(change.plannedStart)} → ${shortTime(change.plannedEnd)}` : '-';
}

function riskText(change: Change): string {
  return change.risk ? `${change.risk.level.replace('_', ' ')} (${change.risk.score})` : '-';
}

export function describeChange(change: Change): string[] {
  const lines = [
    `#${change.id} ${change.title}`,
    `  ${change.type} change, ${change.state} (version ${change.version})`,
    `  window       ${window(change)} UTC`,
    `  CIs          ${change.cis.map((c) => `${c.class}/${c.name}`).join(', ') || '-'}`,
    `  requester    ${change.requester.username}`,
    `  implementer  ${change.implementer?.username ?? '-'}`,
    `  team         ${change.teamId === null ? '- (organisation-wide)' : `#${change.teamId}`}`,
    `  back-out     ${change.backoutPlan ?? '- (none)'}`,
  ];
  if (change.impact) {
    const services = change.impact.services.map((s) => s.name).join(', ');
    lines.push(
      `  impact       ${change.impact.count} CIs downstream; services: ${services || 'none'}${
        change.impact.servicesTotal > change.impact.services.length
          ? ` (+${change.impact.servicesTotal - change.impact.services.length})`
          : ''
      }`,
    );
  }
  if (change.risk) {
    lines.push(`  risk         ${riskText(change)}`);
    for (const f of change.risk.factors) {
      lines.push(
        `    ${`+${f.contribution}`.padStart(6)} / ${String(f.weight).padEnd(3)} ${f.factor.padEnd(15)} ${f.reason}`,
      );
    }
  }
  const a = change.approval;
  lines.push(
    `  approval     ${a.board.toUpperCase()} ${a.approvals.length}/${a.required}${a.serviceOwnerRequired ? ' incl. a service owner' : ''}: ${
      a.met ? 'met' : `missing ${a.missing.join('; ')}`
    }`,
  );
  for (const approval of a.approvals) {
    lines.push(
      `    ✓ ${approval.approverName} at ${shortTime(approval.at)}${approval.asServiceOwner ? ' (service owner)' : ''}`,
    );
  }
  if (change.freezeOverride)
    lines.push(`  freeze override by ${change.freezeOverride.by}: ${change.freezeOverride.reason}`);
  if (change.review)
    lines.push(
      `  review       ${change.review.outcome} by ${change.review.reviewedBy.username}: ${change.review.lessons}`,
    );
  else if (change.reviewDueAt) lines.push(`  review due   ${shortTime(change.reviewDueAt)}`);
  lines.push(
    change.allowedTransitions.length === 0
      ? '  next         nothing: the change is finished'
      : `  next         ${change.allowedTransitions.map((t) => `${t.action} (→ ${t.to})`).join(', ')}; slipway change transition ${change.id} <action or state>`,
  );
  return lines;
}

/** The change lifecycle as `change transition` reads words against it. */
export const CHANGE_LIFECYCLE: Lifecycle<ChangeState> = {
  noun: 'change',
  states: CHANGE_STATES,
  actions: CHANGE_ACTIONS,
  transitions: CHANGE_TRANSITIONS,
};

function conflictLines(conflicts: ChangeConflicts['conflicts'] | ConflictReport['items']): string[] {
  if (conflicts.length === 0) return ['No conflicts'];
  return formatTable(conflicts, [
    { header: 'KIND', value: (c) => c.kind },
    { header: 'SEVERITY', value: (c) => c.severity },
    { header: 'CHANGES', value: (c) => c.changes.map((x) => `#${x.id}`).join(' ') },
    { header: 'WHY', value: (c) => c.message },
  ]).split('\n');
}

function changeTable(changes: readonly Change[]): string {
  return formatTable(changes, [
    { header: 'ID', value: (c) => String(c.id) },
    { header: 'TYPE', value: (c) => c.type },
    { header: 'STATE', value: (c) => c.state },
    { header: 'RISK', value: riskText },
    { header: 'WINDOW (UTC)', value: window },
    { header: 'TITLE', value: (c) => c.title },
  ]);
}

/** The version the user looked at, for If-Match: an approval must never land on a scope nobody saw. */
async function current(api: SlipwayClient, id: number): Promise<Change> {
  return unwrap(api.GET('/api/v1/changes/{id}', { params: { path: { id } } }));
}

/** `slipway change create|show|list|submit|approve|reject|transition|review|agenda|conflicts|calendar`. */
export function registerChangeCommands(program: Command, io: CliIo): void {
  const change = program
    .command('change')
    .description('Requests for change, approvals, conflicts and the change calendar (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    change
      .command('create')
      .description('Raise a request for change')
      .requiredOption('--type <type>', CHANGE_TYPES.join(', '), oneOf(CHANGE_TYPES))
      .requiredOption('--title <title>', 'what the change does')
      .option('--description <text>', 'details')
      .option('--justification <text>', 'why it is needed')
      .option('--ci <ci>', 'an affected CI, class/name or id (repeatable)', collect)
      .option('--start <when>', 'planned start, e.g. 2026-12-15T22:00Z', instant)
      .option('--end <when>', 'planned end', instant)
      .option('--implementer <user>', 'who implements it: a user id, a username or "me"')
      .option('--backout <text>', 'the back-out plan')
      .option('--release <id>', 'the release it authorises', positiveInt)
      .option('--template <id>', 'the standard-change template (for --type standard)', positiveInt)
      .option('--team <team>', 'the owning team (id or name; one you belong to); default organisation-wide')
      .option('--json', 'print JSON'),
  ).action(async (options: CreateOptions) => {
    const { api } = apiClient(options, io);
    const ciIds = await Promise.all((options.ci ?? []).map((ref) => resolveCiId(api, ref)));
    const teamId = options.team === undefined ? undefined : await resolveTeamId(api, options.team);
    const created = await unwrap(
      api.POST('/api/v1/changes', {
        body: {
          type: options.type,
          title: options.title,
          ...(options.description !== undefined && { description: options.description }),
          ...(options.justification !== undefined && { justification: options.justification }),
          ...(ciIds.length > 0 && { ciIds }),
          ...(options.start !== undefined && { plannedStart: options.start }),
          ...(options.end !== undefined && { plannedEnd: options.end }),
          ...(options.implementer !== undefined && { implementerId: await implementerId(api, options.implementer) }),
          ...(options.backout !== undefined && { backoutPlan: options.backout }),
          ...(options.release !== undefined && { releaseId: options.release }),
          ...(options.template !== undefined && { templateId: options.template }),
          ...(teamId !== undefined && { teamId }),
        },
      }),
    );
    if (options.json) printJson(io, { change: created });
    else
      printLines(
        io,
        `Created change #${created.id} (${created.type}, ${created.state}); submit it with: slipway change submit ${created.id}`,
      );
  });

  withApiOptions(
    change
      .command('show')
      .description('One change: window, CIs, impact, explained risk, approvals, what may happen next')
      .argument('<id>', 'change id', changeId)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const found = await current(api, id);
    if (options.json) printJson(io, { change: found });
    else printLines(io, ...describeChange(found));
  });

  withApiOptions(
    withPagingOptions(
      change
        .command('list')
        .description('List changes')
        .option(
          '--state <states>',
          `one or more of ${CHANGE_STATES.join(', ')} (comma-separated)`,
          someOf(CHANGE_STATES),
        )
        .option('--type <type>', CHANGE_TYPES.join(', '), oneOf(CHANGE_TYPES))
        .option('--json', 'print JSON: { items, next } (next is null when every match is listed)'),
      'change',
    ),
  ).action(async (options: ListOptions) => {
    const { api } = apiClient(options, io);
    const listed = await fetchPaginatedList(
      (cursor, limit) =>
        unwrap(
          api.GET('/api/v1/changes', {
            params: {
              query: {
                limit,
                ...(cursor !== undefined && { cursor }),
                ...(options.state !== undefined && { state: options.state }),
                ...(options.type !== undefined && { type: options.type }),
              },
            },
          }),
        ),
      options,
    );
    if (options.json) printJson(io, listed);
    else {
      printLines(io, listed.items.length === 0 ? 'No changes' : changeTable(listed.items));
      printMoreLine(io, listed, 'change');
    }
  });

  withApiOptions(
    change
      .command('submit')
      .description('Submit a change: impact and risk are computed (a standard change within its template is scheduled)')
      .argument('<id>', 'change id', changeId)
      .option('--override-freeze <reason>', 'override a soft freeze, with the reason (change managers only)')
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: ActOptions) => {
    const { api } = apiClient(options, io);
    const found = await current(api, id);
    const submitted = await unwrap(
      api.POST('/api/v1/changes/{id}/submit', {
        params: { path: { id }, header: { 'if-match': `"${found.version}"` } },
        body: options.overrideFreeze ? { freezeOverride: { reason: options.overrideFreeze } } : {},
      }),
    );
    if (options.json) printJson(io, { change: submitted });
    else
      printLines(
        io,
        `Change #${id} is now ${submitted.state}; risk ${riskText(submitted)}`,
        ...describeChange(submitted).slice(1),
      );
  });

  for (const decision of ['approve', 'reject'] as const) {
    withApiOptions(
      change
        .command(decision)
        .description(
          decision === 'approve'
            ? 'Approve the change as it is shown now (never your own, nor one you implement)'
            : 'Reject the change, saying why',
        )
        .argument('<id>', 'change id', changeId)
        .option('--comment <text>', decision === 'reject' ? 'why (required)' : 'a comment')
        .option('--json', 'print JSON'),
    ).action(async (id: number, options: ActOptions) => {
      if (decision === 'reject' && !options.comment) throw new CliError('A rejection needs --comment saying why');
      const { api } = apiClient(options, io);
      const found = await current(api, id);
      const params = { path: { id }, header: { 'if-match': `"${found.version}"` } };
      const body = options.comment ? { comment: options.comment } : {};
      const decided =
        decision === 'approve'
          ? await unwrap(api.POST('/api/v1/changes/{id}/approve', { params, body }))
          : await unwrap(api.POST('/api/v1/changes/{id}/reject', { params, body }));
      if (options.json) printJson(io, { change: decided });
      else if (decision === 'reject') printLines(io, `Rejected change #${id}`);
      else
        printLines(
          io,
          `Approved change #${id}: ${decided.approval.met ? 'quorum met' : `still missing ${decided.approval.missing.join('; ')}`}`,
        );
    });
  }

  withApiOptions(
    change
      .command('transition')
      .description(
        'Move a change to another state, named by the state or by the action `change show` lists under next (assess, schedule, start, complete, close, cancel …)',
      )
      .argument('<id>', 'change id', changeId)
      .argument(
        '<to>',
        `a state (${CHANGE_STATES.join(', ')}) or an action (${CHANGE_ACTIONS.join(', ')})`,
        oneOf(lifecycleWords(CHANGE_LIFECYCLE)),
      )
      .option('--comment <text>', 'a comment for the history')
      .option('--override-freeze <reason>', 'override a soft freeze, with the reason (change managers only)')
      .option('--json', 'print JSON'),
  ).action(async (id: number, word: string, options: ActOptions) => {
    const { api } = apiClient(options, io);
    const found = await current(api, id);
    const to = transitionTarget(CHANGE_LIFECYCLE, word, found);
    const moved = await unwrap(
      api.POST('/api/v1/changes/{id}/transitions', {
        params: { path: { id }, header: { 'if-match': `"${found.version}"` } },
        body: {
          to,
          ...(options.comment !== undefined && { comment: options.comment }),
          ...(options.overrideFreeze !== undefined && { freezeOverride: { reason: options.overrideFreeze } }),
        },
      }),
    );
    if (options.json) printJson(io, { change: moved });
    else printLines(io, `Change #${id}: ${found.state} → ${moved.state}`);
  });

  withApiOptions(
    change
      .command('review')
      .description('Record the post-implementation review')
      .argument('<id>', 'change id', changeId)
      .requiredOption('--outcome <outcome>', REVIEW_OUTCOMES.join(', '), oneOf(REVIEW_OUTCOMES))
      .option('--lessons <text>', 'what was learnt')
      .option('--incident <id>', 'a linked incident id (repeatable)', collectInt)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: ReviewOptions) => {
    const { api } = apiClient(options, io);
    const reviewed = await unwrap(
      api.POST('/api/v1/changes/{id}/review', {
        params: { path: { id } },
        body: {
          outcome: options.outcome,
          ...(options.lessons !== undefined && { lessons: options.lessons }),
          ...(options.incident !== undefined && { incidentIds: options.incident }),
        },
      }),
    );
    if (options.json) printJson(io, { change: reviewed });
    else printLines(io, `Reviewed change #${id}: ${options.outcome}`);
  });

  withApiOptions(
    change
      .command('agenda')
      .description('What waits for you: approvals, assessments, scheduling, reviews')
      .option('--json', 'print JSON'),
  ).action(async (options: JsonOption) => {
    const { api } = apiClient(options, io);
    const agenda = await unwrap(api.GET('/api/v1/changes/agenda'));
    if (options.json) {
      printJson(io, agenda);
      return;
    }
    if (agenda.items.length === 0) {
      printLines(io, 'Nothing waits for you');
      return;
    }
    printLines(
      io,
      formatTable(agenda.items, [
        { header: 'ACTION', value: (i) => i.reason },
        { header: 'ID', value: (i) => `#${i.change.id}` },
        { header: 'RISK', value: (i) => riskText(i.change) },
        { header: 'WINDOW (UTC)', value: (i) => window(i.change) },
        { header: 'TITLE', value: (i) => i.change.title },
        { header: 'TASK', value: (i) => i.task },
      ]),
    );
  });

  withApiOptions(
    change
      .command('conflicts')
      .description('Conflicts of one change, or (without an id) the calendar-wide report for a range')
      .argument('[id]', 'change id', changeId)
      .option('--from <when>', 'report start (default now)', instant)
      .option('--to <when>', 'report end (default 30 days on)', instant)
      .option('--no-impact', 'leave out overlapping impact closures (report only)')
      .option('--json', 'print JSON'),
  ).action(async (id: number | undefined, options: ConflictOptions) => {
    const { api } = apiClient(options, io);
    if (id !== undefined) {
      const found = await unwrap(api.GET('/api/v1/changes/{id}/conflicts', { params: { path: { id } } }));
      if (options.json) printJson(io, found);
      else
        printLines(
          io,
          `Change #${id} (${shortTime(found.plannedStart)} → ${shortTime(found.plannedEnd)} UTC)`,
          ...conflictLines(found.conflicts),
        );
      return;
    }
    const report = await unwrap(
      api.GET('/api/v1/changes/conflicts', {
        params: {
          query: {
            ...(options.from !== undefined && { from: options.from }),
            ...(options.to !== undefined && { to: options.to }),
            ...(options.impact === false && { impact: false }),
          },
        },
      }),
    );
    if (options.json) {
      printJson(io, report);
      return;
    }
    const counts = Object.entries(report.counts)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
    printLines(
      io,
      `${report.changes} changes from ${shortTime(report.from)} to ${shortTime(report.to)}: ${counts || 'no conflicts'}`,
      ...conflictLines(report.items),
    );
    if (report.truncated) printLines(io, '(more conflicts than listed; narrow the range or use --json)');
  });

  withApiOptions(
    change
      .command('calendar')
      .description('The forward schedule of change: changes, freezes, maintenance windows')
      .option('--from <when>', 'start (default a week ago)', instant)
      .option('--to <when>', 'end (default 90 days on)', instant)
      .option('--sources <names>', 'comma-separated sources, e.g. changes,freezes')
      .option('--conflicts', 'also report the conflicts in the range')
      .option('--json', 'print JSON'),
  ).action(async (options: CalendarOptions) => {
    const { api } = apiClient(options, io);
    const calendar: Calendar = await unwrap(
      api.GET('/api/v1/calendar', {
        params: {
          query: {
            ...(options.from !== undefined && { from: options.from }),
            ...(options.to !== undefined && { to: options.to }),
            ...(options.sources !== undefined && { sources: options.sources }),
            ...(options.conflicts && { conflicts: true }),
          },
        },
      }),
    );
    if (options.json) {
      printJson(io, calendar);
      return;
    }
    printLines(
      io,
      `Change calendar ${shortTime(calendar.from)} → ${shortTime(calendar.to)} UTC (${calendar.sources.join(', ')})`,
    );
    printLines(
      io,
      calendar.events.length === 0
        ? 'Nothing scheduled'
        : formatTable(calendar.events, [
            { header: 'START', value: (e) => shortTime(e.start) },
            { header: 'END', value: (e) => shortTime(e.end) },
            { header: 'KIND', value: (e) => e.kind },
            { header: 'STATUS', value: (e) => e.status },
            { header: 'WHAT', value: (e) => e.title },
          ]),
    );
    if (calendar.conflicts) printLines(io, '', 'Conflicts', ...conflictLines(calendar.conflicts.items));
  });
}
