import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type paths, SlipwayApiError, type SlipwayClient, unwrap } from '@slipway/client';
import {
  PLAN_SECTION_KEYS,
  PLAN_SECTION_STATUSES,
  type PlanSectionKey,
  type PlanSectionStatus,
  RELEASE_ACTIONS,
  RELEASE_ELEMENTS,
  RELEASE_STATES,
  RELEASE_TRANSITIONS,
  RELEASE_TYPES,
  type ReleaseElement,
  type ReleaseState,
  type ReleaseType,
  ROLLOUT_STRATEGIES,
  type RolloutStrategy,
  TEST_OUTCOMES,
  TEST_PROTOCOLS,
  type TestOutcome,
  type TestProtocol,
} from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { resolveCiId } from '../cmdb-api.js';
import { type Lifecycle, lifecycleWords, transitionTarget } from '../lifecycle-words.js';
import { collect, objectId, oneOf, positiveInt, someOf } from '../option-parsers.js';
import { fetchPaginatedList, type PagingOptions, printMoreLine, withPagingOptions } from '../paginated-list.js';
import { streamedBody } from '../streaming-body.js';
import { formatTable, shortTime } from '../table-format.js';
import { resolveTeamId } from './team.js';

type Body<Path extends keyof paths, Method extends 'get' | 'post'> = paths[Path] extends {
  [M in Method]: { responses: { [S in 200 | 201]?: { content: { 'application/json': infer B } } } };
}
  ? B
  : never;

type Release = Body<'/api/v1/releases/{id}', 'get'>;
type Plan = Body<'/api/v1/releases/{id}/plan', 'get'>;
type Readiness = Body<'/api/v1/releases/{id}/readiness', 'get'>;
type TargetSummary = Body<'/api/v1/releases/{id}/targets', 'get'>;
type TestResult = Body<'/api/v1/releases/{id}/tests', 'get'>['items'][number];
type GateCheck = Readiness['transitions'][number]['checks'][number];

interface JsonOption extends ApiOptions {
  json?: boolean;
}

interface CreateOptions extends JsonOption {
  type: ReleaseType;
  element?: ReleaseElement;
  unit?: string;
  unitCi?: string;
  version: string;
  title: string;
  description?: string;
  template?: number;
  start?: string;
  end?: string;
  implementer?: number;
  strategy?: RolloutStrategy;
  knownIssues?: string;
  team?: string;
}

interface ListOptions extends JsonOption, PagingOptions {
  state?: string;
  type?: ReleaseType;
  unit?: string;
}

interface PlanOptions extends JsonOption {
  section?: PlanSectionKey;
  owner?: string;
  status?: PlanSectionStatus;
  content?: string;
  contentFile?: string;
}

interface TargetOptions extends JsonOption {
  env: string;
  ci?: string[];
  query?: string;
  queryFile?: string;
  name?: string;
  remove?: string[];
  preview?: boolean;
}

interface TestOptions extends JsonOption {
  env: string;
  protocol: TestProtocol;
  outcome?: TestOutcome;
  summary?: string;
  text?: string;
  link?: string;
  file?: string;
  junit?: string;
}

interface TransitionOptions extends JsonOption {
  comment?: string;
  overrideFreeze?: string;
}

interface OutputOptions extends JsonOption {
  output?: string;
}

const releaseId = objectId('release', 7);

/** A date-time as the user typed it, as ISO-8601 UTC (UTC unless an offset is given). */
function instant(value: string): string {
  const normalised = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? value.replace(' ', 'T') : value;
  const ms = Date.parse(
    /[zZ]|[+-]\d{2}:?\d{2}$/.test(normalised) || !normalised.includes('T') ? normalised : `${normalised}Z`,
  );
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected a date-time like 2026-12-15T22:00Z (UTC unless an offset is given)');
  return new Date(ms).toISOString();
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `Cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function fileSize(file: string): number {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new CliError(`${file} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * A blocked gate names every unmet rule; the one-line error shows only the first few, so the
 * full list goes to stderr first (then the error ends the command as usual).
 */
async function explained<T>(io: CliIo, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof SlipwayApiError) {
      const violations = (error.details.violations ?? []) as { id: string; message: string }[];
      if (violations.length > 0) {
        io.stderr.write(`${violations.map((v) => `  ✗ ${v.id}: ${v.message}`).join('\n')}\n`);
        // The rules are listed above: the closing line keeps only the summary ("… 4 rules unmet").
        const summary = error.message.split(' — ')[0] ?? error.message;
        throw new SlipwayApiError(error.status, error.code, summary, error.details, error.requestId);
      }
    }
    throw error;
  }
}

async function current(api: SlipwayClient, id: number): Promise<Release> {
  return unwrap(api.GET('/api/v1/releases/{id}', { params: { path: { id } } }));
}

function ifMatch(release: Pick<Release, 'version'>) {
  return { 'if-match': `"${release.version}"` };
}

function window(release: Pick<Release, 'plannedStart' | 'plannedEnd'>): string {
  return release.plannedStart ? `${shortTime(release.plannedStart)} → ${shortTime(release.plannedEnd)} UTC` : '-';
}

function testsText(tests: Record<string, string[]>): string {
  const parts = Object.entries(tests).map(([env, protocols]) => `${env}: ${protocols.join(', ')}`);
  return parts.join('; ') || 'none';
}

export function describeRelease(release: Release): string[] {
  const a = release.approval;
  const lines = [
    `#${release.id} ${release.unit.name} ${release.releaseVersion}: ${release.title}`,
    `  ${release.type} ${release.element.replace('_', ' ')} release, ${release.state} (revision ${release.version})`,
    `  window         ${window(release)}`,
    `  requester      ${release.requester.username}`,
    `  implementer    ${release.implementer?.username ?? '-'}`,
    `  strategy       ${release.rolloutStrategy}`,
    `  environment    ${release.currentEnvironment ?? '- (not promoted yet)'}`,
    `  contents       ${release.counts.artifacts} artifacts, ${release.counts.ciChanges} planned CI changes, ${release.counts.targets} explicit targets, ${release.counts.targetQueries} target queries`,
    `  required tests ${testsText(release.requiredTests)}`,
    `  approval       ${a.board.toUpperCase()} ${a.approvals.length}/${a.required}: ${a.met ? 'met' : `missing ${a.missing.join('; ') || '-'}`}`,
  ];
  for (const approval of a.approvals) lines.push(`    ✓ ${approval.approverName} at ${shortTime(approval.at)}`);
  if (release.policyVersion !== null) lines.push(`  judged by      policy version ${release.policyVersion}`);
  if (release.freezeOverride)
    lines.push(`  freeze override by ${release.freezeOverride.by}: ${release.freezeOverride.reason}`);
  if (release.reviewDueAt) lines.push(`  review due     ${shortTime(release.reviewDueAt)}`);
  lines.push(
    release.allowedTransitions.length === 0
      ? '  next           nothing: the release is finished'
      : `  next           ${release.allowedTransitions.map((t) => `${t.action} (→ ${t.to})`).join(', ')}; slipway release transition ${release.id} <action or state>`,
  );
  return lines;
}

function planLines(plan: Plan): string[] {
  return formatTable(plan.sections, [
    { header: 'SECTION', value: (s) => s.key },
    { header: 'REQUIRED', value: (s) => (s.required ? 'yes' : '') },
    { header: 'OWNER', value: (s) => s.owner ?? '-' },
    { header: 'STATUS', value: (s) => s.status },
    { header: 'REV', value: (s) => String(s.revision) },
    { header: 'CONTENT', value: (s) => (s.content.split('\n')[0] ?? '').slice(0, 60) },
  ]).split('\n');
}

function checkLines(checks: readonly GateCheck[], indent = '  '): string[] {
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${indent}${check.met ? '✓' : '✗'} ${check.guard}: ${check.description}`);
    for (const v of check.violations) lines.push(`${indent}    ${v.id}: ${v.message}`);
  }
  return lines;
}

function targetLines(summary: TargetSummary): string[] {
  const lines: string[] = [];
  for (const env of summary.environments) {
    if (env.count === 0 && env.queries.length === 0) continue;
    lines.push(`  ${env.environment}: ${env.count} CIs (${env.explicit} explicit)`);
    for (const q of env.queries)
      lines.push(`    query #${q.id} "${q.name}": ${q.count} CIs ${JSON.stringify(q.query)}`);
  }
  return lines.length > 0 ? lines : ['  no targets yet'];
}

function testLine(test: TestResult): string {
  const junit = test.evidence.junit;
  const counts = junit
    ? ` (${junit.passed} passed, ${junit.failed + junit.errors} failed, ${junit.skipped} skipped)`
    : '';
  return `Recorded ${test.protocol} in ${test.environment}: ${test.outcome}${counts} as result #${test.id}`;
}

async function writeDownload(response: Response, target: string): Promise<number> {
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
    throw new CliError(
      `${body?.error?.message ?? `Download failed with HTTP ${response.status}`} (HTTP ${response.status} ${body?.error?.code ?? ''})`,
    );
  }
  const partial = `${target}.part`;
  let bytes = 0;
  try {
    await pipeline(
      (async function* () {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      })(),
      fs.createWriteStream(partial),
    );
    fs.renameSync(partial, target);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  return bytes;
}

/** The release lifecycle as `release transition` reads words against it. */
export const RELEASE_LIFECYCLE: Lifecycle<ReleaseState> = {
  noun: 'release',
  states: RELEASE_STATES,
  actions: RELEASE_ACTIONS,
  transitions: RELEASE_TRANSITIONS,
};

/**
 * `slipway release create|list|show|plan|add-artifact|target|test|readiness|promote|transition|
 * approve|change|notes|evidence`: everything a release manager does to a release, through the API.
 */
export function registerReleaseCommands(program: Command, io: CliIo): void {
  const release = program
    .command('release')
    .description(
      'Releases: plan, contents, targets, tests, gates, approval, notes and evidence (SLIPWAY_URL, SLIPWAY_TOKEN)',
    );

  withApiOptions(
    release
      .command('create')
      .description('Create a release (draft) from the template of its element')
      .requiredOption('--type <type>', RELEASE_TYPES.join(', '), oneOf(RELEASE_TYPES))
      .option('--element <element>', RELEASE_ELEMENTS.join(', '), oneOf(RELEASE_ELEMENTS))
      .option('--unit <name>', 'the release unit: what is versioned together (e.g. Zoom)')
      .option('--unit-ci <ci>', 'the release unit as a CI, class/name or id (instead of --unit)')
      .requiredOption('--version <version>', "the release's version, per the policy's scheme (semver by default)")
      .requiredOption('--title <title>', 'what the release does')
      .option('--description <text>', 'details')
      .option('--template <id>', 'a release template id (default: the shipped one of the element)', positiveInt)
      .option('--start <when>', 'planned start, e.g. 2026-12-15T22:00Z', instant)
      .option('--end <when>', 'planned end', instant)
      .option('--implementer <id>', 'user id of who implements it', positiveInt)
      .option('--strategy <strategy>', ROLLOUT_STRATEGIES.join(', '), oneOf(ROLLOUT_STRATEGIES))
      .option('--known-issues <text>', 'known issues (go into the release notes)')
      .option('--team <team>', 'the owning team (id or name; one you belong to); default organisation-wide')
      .option('--json', 'print JSON'),
  ).action(async (options: CreateOptions) => {
    if (options.unit === undefined && options.unitCi === undefined) throw new CliError('Give --unit or --unit-ci');
    const { api } = apiClient(options, io);
    const unitCiId = options.unitCi === undefined ? undefined : await resolveCiId(api, options.unitCi);
    const teamId = options.team === undefined ? undefined : await resolveTeamId(api, options.team);
    const created = await explained(
      io,
      unwrap(
        api.POST('/api/v1/releases', {
          body: {
            type: options.type,
            releaseVersion: options.version,
            title: options.title,
            ...(options.element !== undefined && { element: options.element }),
            ...(options.unit !== undefined && { unit: options.unit }),
            ...(unitCiId !== undefined && { unitCiId }),
            ...(options.description !== undefined && { description: options.description }),
            ...(options.template !== undefined && { templateId: options.template }),
            ...(options.start !== undefined && { plannedStart: options.start }),
            ...(options.end !== undefined && { plannedEnd: options.end }),
            ...(options.implementer !== undefined && { implementerId: options.implementer }),
            ...(options.strategy !== undefined && { rolloutStrategy: options.strategy }),
            ...(options.knownIssues !== undefined && { knownIssues: options.knownIssues }),
            ...(teamId !== undefined && { teamId }),
          },
        }),
      ),
    );
    if (options.json) printJson(io, { release: created });
    else
      printLines(
        io,
        `Created release #${created.id} (${created.type}, ${created.state}); write its plan with: slipway release plan ${created.id} --section scope --owner <who> --content <text>`,
      );
  });

  withApiOptions(
    withPagingOptions(
      release
        .command('list')
        .description('List releases')
        .option(
          '--state <states>',
          `one or more of ${RELEASE_STATES.join(', ')} (comma-separated)`,
          someOf(RELEASE_STATES),
        )
        .option('--type <type>', RELEASE_TYPES.join(', '), oneOf(RELEASE_TYPES))
        .option('--unit <name>', 'one release unit')
        .option('--json', 'print JSON: { items, next } (next is null when every match is listed)'),
      'release',
    ),
  ).action(async (options: ListOptions) => {
    const { api } = apiClient(options, io);
    const page = await fetchPaginatedList(
      (cursor, limit) =>
        unwrap(
          api.GET('/api/v1/releases', {
            params: {
              query: {
                limit,
                ...(cursor !== undefined && { cursor }),
                ...(options.state !== undefined && { state: options.state }),
                ...(options.type !== undefined && { type: options.type }),
                ...(options.unit !== undefined && { unit: options.unit }),
              },
            },
          }),
        ),
      options,
    );
    if (options.json) printJson(io, page);
    else
      printLines(
        io,
        page.items.length === 0
          ? 'No releases'
          : formatTable(page.items, [
              { header: 'ID', value: (r) => String(r.id) },
              { header: 'TYPE', value: (r) => r.type },
              { header: 'STATE', value: (r) => r.state },
              { header: 'UNIT', value: (r) => r.unit.name },
              { header: 'VERSION', value: (r) => r.releaseVersion },
              { header: 'WINDOW (UTC)', value: (r) => window(r).replace(' UTC', '') },
              { header: 'TITLE', value: (r) => r.title },
            ]),
      );
    if (!options.json) printMoreLine(io, page, 'release');
  });

  withApiOptions(
    release
      .command('show')
      .description('One release: window, contents, targets, required tests, approval, what may happen next')
      .argument('<id>', 'release id', releaseId)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const [found, targets] = await Promise.all([
      current(api, id),
      unwrap(api.GET('/api/v1/releases/{id}/targets', { params: { path: { id } } })),
    ]);
    if (options.json) printJson(io, { release: found, targets });
    else printLines(io, ...describeRelease(found), '  targets', ...targetLines(targets).map((l) => `  ${l}`));
  });

  withApiOptions(
    release
      .command('plan')
      .description('Show the release plan, or write one section of it (owner, status, content)')
      .argument('<id>', 'release id', releaseId)
      .option('--section <key>', PLAN_SECTION_KEYS.join(', '), oneOf(PLAN_SECTION_KEYS))
      .option('--owner <name>', "the section's owner")
      .option('--status <status>', PLAN_SECTION_STATUSES.join(', '), oneOf(PLAN_SECTION_STATUSES))
      .option('--content <text>', "the section's text (Markdown)")
      .option('--content-file <file>', "read the section's text from a file")
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: PlanOptions) => {
    const { api } = apiClient(options, io);
    const editing =
      options.owner !== undefined ||
      options.status !== undefined ||
      options.content !== undefined ||
      options.contentFile !== undefined;
    if (editing && options.section === undefined) throw new CliError('Name the section to write with --section');
    if (options.content !== undefined && options.contentFile !== undefined)
      throw new CliError('Give --content or --content-file, not both');
    let plan: Plan;
    if (editing && options.section !== undefined) {
      const content =
        options.contentFile !== undefined ? readText(options.contentFile, 'the section text') : options.content;
      const found = await current(api, id);
      plan = await unwrap(
        api.PATCH('/api/v1/releases/{id}/plan/{section}', {
          params: { path: { id, section: options.section }, header: ifMatch(found) },
          body: {
            ...(options.owner !== undefined && { owner: options.owner }),
            ...(options.status !== undefined && { status: options.status }),
            ...(content !== undefined && { content }),
          },
        }),
      );
    } else {
      plan = await unwrap(api.GET('/api/v1/releases/{id}/plan', { params: { path: { id } } }));
    }
    if (options.json) printJson(io, { plan });
    else {
      if (editing) printLines(io, `Updated section ${options.section} of release #${id}`);
      printLines(io, `Release #${id} plan (required by the policy: ${plan.requiredSections.join(', ') || 'none'})`);
      printLines(io, ...planLines(plan));
    }
  });

  withApiOptions(
    release
      .command('add-artifact')
      .description('Add approved software-library artifacts (ids, or name@version)')
      .argument('<id>', 'release id', releaseId)
      .argument('<artifacts...>', 'artifact ids or name@version')
      .option('--json', 'print JSON'),
  ).action(async (id: number, artifacts: string[], options: JsonOption) => {
    const { api } = apiClient(options, io);
    let contents: Body<'/api/v1/releases/{id}/contents', 'get'> | undefined;
    for (const ref of artifacts) {
      const artifactId = await artifactIdOf(api, ref);
      const found = await current(api, id);
      contents = await explained(
        io,
        unwrap(
          api.POST('/api/v1/releases/{id}/artifacts', {
            params: { path: { id }, header: ifMatch(found) },
            body: { artifactId },
          }),
        ),
      );
    }
    if (!contents) return;
    if (options.json) printJson(io, { contents });
    else
      printLines(
        io,
        `Release #${id} contains ${contents.artifacts.length} artifacts:`,
        ...contents.artifacts.map(
          (a) =>
            `  ${a.name} ${a.artifactVersion} (#${a.id}, ${a.license}, sha256 ${a.sha256.slice(0, 12)}…)${a.problems.length > 0 ? ` — ${a.problems.map((p) => p.message).join('; ')}` : ''}`,
        ),
      );
  });

  withApiOptions(
    release
      .command('target')
      .description(
        'Targets of an environment: add CIs (--ci), save a query (--query), remove (--remove), or just show them',
      )
      .argument('<id>', 'release id', releaseId)
      .requiredOption('--env <environment>', 'the environment, e.g. production')
      .option('--ci <ci>', 'a target CI, class/name or id (repeatable)', collect)
      .option(
        '--query <json>',
        'a saved target query, e.g. \'{"class":"desktop","installed":[{"product":"Zoom","version":"<6.0"}]}\'',
      )
      .option('--query-file <file>', 'read the target query (JSON) from a file')
      .option('--name <name>', "the saved query's name")
      .option('--remove <ci>', 'remove an explicit target, class/name or id (repeatable)', collect)
      .option('--preview', 'resolve --query without saving it')
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: TargetOptions) => {
    const { api } = apiClient(options, io);
    const queryText = options.queryFile !== undefined ? readText(options.queryFile, 'the query') : options.query;
    let query: Record<string, unknown> | undefined;
    if (queryText !== undefined) {
      try {
        query = JSON.parse(queryText) as Record<string, unknown>;
      } catch (error) {
        throw new CliError(`--query is not JSON: ${(error as Error).message}`);
      }
    }
    if (options.preview) {
      if (!query) throw new CliError('--preview needs --query or --query-file');
      const preview = await unwrap(
        api.POST('/api/v1/releases/target-preview', { body: { query: query as never, limit: 50 } }),
      );
      if (options.json) printJson(io, preview);
      else
        printLines(
          io,
          `The query selects ${preview.count} CIs${preview.count > preview.items.length ? ` (first ${preview.items.length})` : ''}:`,
          ...preview.items.map((c) => `  ${c.class}/${c.name} (${c.status})`),
        );
      return;
    }
    let summary: TargetSummary | undefined;
    if (options.ci && options.ci.length > 0) {
      const found = await current(api, id);
      const cis = options.ci.map((ref) => (/^\d+$/.test(ref) ? Number(ref) : ref));
      summary = await explained(
        io,
        unwrap(
          api.POST('/api/v1/releases/{id}/targets', {
            params: { path: { id }, header: ifMatch(found) },
            body: { environment: options.env, cis },
          }),
        ),
      );
    }
    if (query) {
      const found = await current(api, id);
      summary = await explained(
        io,
        unwrap(
          api.POST('/api/v1/releases/{id}/target-queries', {
            params: { path: { id }, header: ifMatch(found) },
            body: {
              environment: options.env,
              query: query as never,
              ...(options.name !== undefined && { name: options.name }),
            },
          }),
        ),
      );
    }
    for (const ref of options.remove ?? []) {
      const ciId = await resolveCiId(api, ref);
      const found = await current(api, id);
      summary = await unwrap(
        api.DELETE('/api/v1/releases/{id}/targets/{environment}/{ciId}', {
          params: { path: { id, environment: options.env, ciId }, header: ifMatch(found) },
        }),
      );
    }
    summary ??= await unwrap(api.GET('/api/v1/releases/{id}/targets', { params: { path: { id } } }));
    const page = await unwrap(
      api.GET('/api/v1/releases/{id}/targets/{environment}', {
        params: { path: { id, environment: options.env }, query: { limit: 100 } },
      }),
    );
    if (options.json) printJson(io, { summary, targets: page });
    else
      printLines(
        io,
        `Release #${id} targets`,
        ...targetLines(summary),
        `Resolved in ${options.env}: ${page.count} CIs${page.next ? ' (first 100)' : ''}`,
        ...page.items.map((c) => `  ${c.class}/${c.name}  ${c.sources.join(', ')}`),
      );
  });

  withApiOptions(
    release
      .command('test')
      .description(
        'Record a test result in an environment, with evidence: --text, --link, --file (upload) or --junit (a JUnit XML report decides the outcome)',
      )
      .argument('<id>', 'release id', releaseId)
      .requiredOption('--env <environment>', 'where it was tested, e.g. test')
      .requiredOption('--protocol <protocol>', TEST_PROTOCOLS.join(', '), oneOf(TEST_PROTOCOLS))
      .option('--outcome <outcome>', `${TEST_OUTCOMES.join(', ')} (not with --junit)`, oneOf(TEST_OUTCOMES))
      .option('--summary <text>', 'one line on what was tested')
      .option('--text <text>', 'evidence as text')
      .option('--link <url>', 'evidence as a link (a CI run, a report)')
      .option('--file <file>', 'evidence as an uploaded file (PDF, screenshot, signed form)')
      .option('--junit <file>', 'a JUnit XML report: parsed into passed/failed/skipped; any failure fails the test')
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: TestOptions) => {
    const { api } = apiClient(options, io);
    let test: TestResult;
    if (options.junit !== undefined) {
      if (options.outcome !== undefined) throw new CliError('--junit decides the outcome: leave out --outcome');
      if (options.file !== undefined) throw new CliError('Give --junit or --file, not both');
      fileSize(options.junit);
      const xml = fs.readFileSync(options.junit);
      test = (await explained(
        io,
        unwrap(
          api.POST('/api/v1/releases/{id}/tests/junit', {
            params: {
              path: { id },
              query: {
                environment: options.env,
                protocol: options.protocol,
                ...(options.summary !== undefined && { summary: options.summary }),
              },
            },
            ...streamedBody(async function* () {
              yield xml;
            }, 'application/xml'),
          } as never),
        ),
      )) as TestResult;
    } else {
      if (options.outcome === undefined) throw new CliError('Give --outcome (passed, failed or blocked), or --junit');
      if (options.file !== undefined) {
        const file = options.file;
        fileSize(file);
        const note = [options.text, options.link].filter((v) => v !== undefined).join('\n');
        test = (await explained(
          io,
          unwrap(
            api.POST('/api/v1/releases/{id}/tests/upload', {
              params: {
                path: { id },
                query: {
                  environment: options.env,
                  protocol: options.protocol,
                  outcome: options.outcome,
                  fileName: path.basename(file),
                  ...(options.summary !== undefined && { summary: options.summary }),
                  ...(note !== '' && { note }),
                },
              },
              ...streamedBody(() => fs.createReadStream(file) as AsyncIterable<Uint8Array>, 'application/octet-stream'),
            } as never),
          ),
        )) as TestResult;
      } else {
        test = await explained(
          io,
          unwrap(
            api.POST('/api/v1/releases/{id}/tests', {
              params: { path: { id } },
              body: {
                environment: options.env,
                protocol: options.protocol,
                outcome: options.outcome,
                ...(options.summary !== undefined && { summary: options.summary }),
                ...((options.text !== undefined || options.link !== undefined) && {
                  evidence: {
                    ...(options.text !== undefined && { text: options.text }),
                    ...(options.link !== undefined && { url: options.link }),
                  },
                }),
              },
            }),
          ),
        );
      }
    }
    if (options.json) printJson(io, { test });
    else printLines(io, testLine(test));
  });

  withApiOptions(
    release
      .command('tests')
      .description('Every test result recorded for a release (history kept; * marks the ones the gates read)')
      .argument('<id>', 'release id', releaseId)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const page = await unwrap(api.GET('/api/v1/releases/{id}/tests', { params: { path: { id } } }));
    if (options.json) printJson(io, page);
    else
      printLines(
        io,
        page.items.length === 0
          ? 'No test results'
          : formatTable(page.items, [
              { header: '', value: (t) => (t.current ? '*' : '') },
              { header: 'ID', value: (t) => String(t.id) },
              { header: 'ENVIRONMENT', value: (t) => t.environment },
              { header: 'PROTOCOL', value: (t) => t.protocol },
              { header: 'OUTCOME', value: (t) => t.outcome },
              { header: 'EVIDENCE', value: (t) => t.evidence.kind },
              { header: 'BY', value: (t) => t.recordedBy.name },
              { header: 'AT (UTC)', value: (t) => shortTime(t.recordedAt) },
            ]),
      );
  });

  withApiOptions(
    release
      .command('readiness')
      .description('The live checklist: every gate of every next step, met or not, with the rule that blocks')
      .argument('<id>', 'release id', releaseId)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const readiness = await unwrap(api.GET('/api/v1/releases/{id}/readiness', { params: { path: { id } } }));
    if (options.json) {
      printJson(io, readiness);
      return;
    }
    printLines(
      io,
      `Release #${id} is ${readiness.state} (${readiness.type}), judged by policy version ${readiness.policyVersion}`,
    );
    for (const t of readiness.transitions) {
      printLines(
        io,
        `${t.ready ? '✓' : '✗'} ${t.action} → ${t.to}${t.ready ? ' (ready)' : ''}`,
        ...checkLines(t.checks),
      );
    }
    if (readiness.approval)
      printLines(
        io,
        `${readiness.approval.open ? '✓' : '✗'} approval ${readiness.approval.open ? 'is open' : 'cannot be given yet'}`,
        ...checkLines(readiness.approval.checks),
      );
  });

  withApiOptions(
    release
      .command('promote')
      .description('Promote the release into the next environment (after the tests required where it is passed)')
      .argument('<id>', 'release id', releaseId)
      .argument('<environment>', 'the next environment, e.g. test')
      .option('--json', 'print JSON'),
  ).action(async (id: number, environment: string, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const found = await current(api, id);
    const promotion = await explained(
      io,
      unwrap(
        api.POST('/api/v1/releases/{id}/promotions', {
          params: { path: { id }, header: ifMatch(found) },
          body: { environment },
        }),
      ),
    );
    if (options.json) printJson(io, { promotion });
    else
      printLines(
        io,
        `Release #${id}: ${promotion.from ?? '(none)'} → ${promotion.to} (${promotion.evidence.testIds.length} test results as evidence)`,
      );
  });

  withApiOptions(
    release
      .command('transition')
      .description('Move a release to another state; a blocked gate lists every unmet rule')
      .argument('<id>', 'release id', releaseId)
      .argument(
        '<to>',
        `a state (${RELEASE_STATES.join(', ')}) or an action (${RELEASE_ACTIONS.join(', ')})`,
        oneOf(lifecycleWords(RELEASE_LIFECYCLE)),
      )
      .option('--comment <text>', 'a comment for the history')
      .option('--override-freeze <reason>', 'override a freeze where the policy allows it, with the reason')
      .option('--json', 'print JSON'),
  ).action(async (id: number, word: string, options: TransitionOptions) => {
    const { api } = apiClient(options, io);
    const found = await current(api, id);
    const to = transitionTarget(RELEASE_LIFECYCLE, word, found);
    const moved = await explained(
      io,
      unwrap(
        api.POST('/api/v1/releases/{id}/transitions', {
          params: { path: { id }, header: ifMatch(found) },
          body: {
            to,
            ...(options.comment !== undefined && { comment: options.comment }),
            ...(options.overrideFreeze !== undefined && { freezeOverride: { reason: options.overrideFreeze } }),
          },
        }),
      ),
    );
    if (options.json) printJson(io, { release: moved });
    else
      printLines(io, `Release #${id}: ${found.state} → ${moved.state} (policy version ${moved.policyVersion ?? '-'})`);
  });

  withApiOptions(
    release
      .command('approve')
      .description('Approve the release as shown now (CAB/ECAB; never your own, nor one you implement)')
      .argument('<id>', 'release id', releaseId)
      .option('--comment <text>', 'a comment')
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: TransitionOptions) => {
    const { api } = apiClient(options, io);
    const found = await current(api, id);
    const approved = await explained(
      io,
      unwrap(
        api.POST('/api/v1/releases/{id}/approve', {
          params: { path: { id }, header: ifMatch(found) },
          body: options.comment !== undefined ? { comment: options.comment } : {},
        }),
      ),
    );
    if (options.json) printJson(io, { release: approved });
    else
      printLines(
        io,
        `Approved release #${id}: ${approved.approval.met ? `quorum met, now ${approved.state}` : `still missing ${approved.approval.missing.join('; ')}`}`,
      );
  });

  withApiOptions(
    release
      .command('change')
      .description("Raise the release's request for change, prefilled (CIs, window, back-out plan, risk)")
      .argument('<id>', 'release id', releaseId)
      .option('--no-submit', 'leave it new instead of submitting it')
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption & { submit?: boolean }) => {
    const { api } = apiClient(options, io);
    const raised = await explained(
      io,
      unwrap(
        api.POST('/api/v1/releases/{id}/change', {
          params: { path: { id } },
          body: { submit: options.submit !== false },
        }),
      ),
    );
    if (options.json) printJson(io, raised);
    else
      printLines(
        io,
        `Raised change #${raised.change.id} (${raised.change.type}, ${raised.change.state}) for release #${id}; risk ${raised.risk.level} (${raised.risk.score})`,
      );
  });

  withApiOptions(
    release
      .command('notes')
      .description('Release notes in Markdown (contents, changes, tests, known issues, back-out)')
      .argument('<id>', 'release id', releaseId)
      .option('-o, --output <file>', 'write them to a file instead of printing them')
      .option('--json', 'print JSON: { releaseId, format: "markdown", text } (with -o: file instead of text)'),
  ).action(async (id: number, options: OutputOptions) => {
    const { api } = apiClient(options, io);
    const { data } = await api.GET('/api/v1/releases/{id}/notes', { params: { path: { id } }, parseAs: 'text' });
    const markdown = String(data ?? '');
    if (options.output !== undefined) {
      fs.writeFileSync(options.output, markdown);
      if (options.json) printJson(io, { releaseId: id, format: 'markdown', file: options.output });
      else printLines(io, `Wrote the release notes of #${id} to ${options.output}`);
    } else if (options.json) printJson(io, { releaseId: id, format: 'markdown', text: markdown });
    else io.stdout.write(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  });

  withApiOptions(
    release
      .command('evidence')
      .description(
        'The evidence pack for auditors: one tar.gz (evidence.json, release notes, evidence files, SHA256SUMS), or --json',
      )
      .argument('<id>', 'release id', releaseId)
      .option('-o, --output <file>', 'where to write the archive (default release-<id>-evidence.tar.gz)')
      .option('--json', 'print the evidence pack as JSON instead of downloading the archive'),
  ).action(async (id: number, options: OutputOptions) => {
    const { api, baseUrl } = apiClient(options, io);
    if (options.json) {
      printJson(io, await unwrap(api.GET('/api/v1/releases/{id}/evidence', { params: { path: { id } } })));
      return;
    }
    const target = options.output ?? `release-${id}-evidence.tar.gz`;
    const token = options.token ?? io.env.SLIPWAY_TOKEN ?? '';
    const response = await fetch(`${baseUrl}/api/v1/releases/${id}/evidence/archive`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const bytes = await writeDownload(response, target);
    printLines(io, `Wrote the evidence pack of release #${id} to ${target} (${bytes} bytes)`);
  });
}

/** An artifact id from `12` or `name@version` (looked up among the library's artifacts). */
async function artifactIdOf(api: SlipwayClient, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1)
    throw new CliError(`"${ref}" is not an artifact: expected an id or name@version`);
  const name = ref.slice(0, at);
  const version = ref.slice(at + 1);
  const page = await unwrap(api.GET('/api/v1/artifacts', { params: { query: { name, limit: 100 } } }));
  const found = page.items.find((a) => a.artifactVersion === version);
  if (!found) throw new CliError(`No artifact ${name} ${version} in the software library`);
  return found.id;
}
