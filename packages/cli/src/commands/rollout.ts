import fs from 'node:fs';
import tty from 'node:tty';
import { type paths, type SlipwayClient, unwrap } from '@slipway/client';
import { ROLLOUT_STATES, ROLLOUT_STRATEGIES, TERMINAL_ROLLOUT_STATES } from '@slipway/model';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { instant, oneOf } from '../option-parsers.js';
import { fetchPaginatedList, type PagingOptions, printMoreLine, withPagingOptions } from '../paginated-list.js';
import { formatTable, shortTime } from '../table-format.js';
import { positiveInteger } from './token.js';

type Rollout = paths['/api/v1/rollouts/{id}']['get']['responses'][200]['content']['application/json'];
type CreateBody = NonNullable<
  paths['/api/v1/releases/{id}/rollouts']['post']['requestBody']
>['content']['application/json'];

interface JsonOption extends ApiOptions {
  json?: boolean;
}

interface StartOptions extends JsonOption {
  env: string;
  strategy?: string;
  spec?: string;
  by?: string;
  percentages?: string;
  pilot?: number;
  canary?: number;
  executor: string;
  latency?: number;
  failureRate?: string;
  argv?: string;
  webhookUrl?: string;
  secretEnv?: string;
  concurrency?: number;
  bake?: number;
  threshold?: string;
  onFailure?: string;
  gateUrl?: string;
  manualGate?: boolean;
  at?: string;
}

/** `5` → { count: 5 }, `10%` → { percent: 10 }. */
export function parseThreshold(value: string): { count?: number; percent?: number } {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a count (3) or a percentage (10%)');
  return m[2] ? { percent: Number(m[1]) } : { count: Number(m[1]) };
}

function percentages(value: string): number[] {
  const list = value.split(',').map((p) => Number(p.trim()));
  if (list.length === 0 || list.some((p) => !(p > 0)))
    throw new CliError('--percentages takes positive numbers, e.g. 10,30,60');
  return list;
}

/** The request body from the flags (or a JSON file with the whole body, flags then override the environment). */
export function startBody(options: StartOptions, env: NodeJS.ProcessEnv): CreateBody {
  if (options.spec) {
    const body = JSON.parse(fs.readFileSync(options.spec, 'utf8')) as CreateBody;
    return { ...body, environment: options.env ?? body.environment };
  }
  const kind = options.strategy;
  let strategy: CreateBody['strategy'];
  if (kind === 'phased') {
    const waves = options.by
      ? { by: 'attribute' as const, attribute: options.by }
      : { by: 'percentages' as const, percentages: percentages(options.percentages ?? '10,30,60') };
    strategy = { kind, waves, ...(options.pilot !== undefined && { pilot: { count: options.pilot } }) };
  } else if (kind === 'canary') strategy = { kind, canary: { count: options.canary ?? 1 } };
  else if (kind === 'dormant')
    strategy = options.by ? { kind, waves: { by: 'attribute', attribute: options.by } } : { kind };
  else if (kind === 'big_bang' || kind === 'staging') strategy = { kind };
  let executor: CreateBody['executor'];
  switch (options.executor) {
    case 'simulated':
      executor = {
        kind: 'simulated',
        ...(options.latency !== undefined && { latencyMs: options.latency }),
        ...(options.failureRate !== undefined && { failureRate: Number(options.failureRate) }),
      };
      break;
    case 'manual':
      executor = { kind: 'manual' };
      break;
    case 'command': {
      if (!options.argv)
        throw new CliError('--executor command needs --argv \'["/opt/deploy/install.sh","{ci.name}"]\'');
      executor = { kind: 'command', argv: JSON.parse(options.argv) as string[] };
      break;
    }
    case 'webhook': {
      const secret = options.secretEnv ? env[options.secretEnv] : undefined;
      if (!options.webhookUrl || !secret)
        throw new CliError(
          '--executor webhook needs --webhook-url and --secret-env VAR (the variable holding the signing secret)',
        );
      executor = { kind: 'webhook', url: options.webhookUrl, secret };
      break;
    }
    default:
      throw new CliError(`--executor must be simulated, manual, command or webhook (not ${options.executor})`);
  }
  const gates: NonNullable<NonNullable<CreateBody['defaults']>['gates']> = [];
  if (options.gateUrl) gates.push({ kind: 'http', url: options.gateUrl });
  if (options.manualGate) gates.push({ kind: 'manual' });
  const defaults: NonNullable<CreateBody['defaults']> = {
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.bake !== undefined && { bakeMs: options.bake * 1000 }),
    ...(options.threshold !== undefined && { failureThreshold: parseThreshold(options.threshold) }),
    ...(options.onFailure !== undefined && { onFailure: options.onFailure as 'pause' | 'backout' }),
    ...(gates.length > 0 && { gates }),
  };
  return {
    environment: options.env,
    executor,
    ...(strategy && { strategy }),
    ...(Object.keys(defaults).length > 0 && { defaults }),
    ...(options.at && { scheduledAt: new Date(options.at).toISOString() }),
  };
}

function summary(r: Rollout): string[] {
  const lines = [
    `Rollout ${r.id} of release ${r.releaseId} into ${r.environment}: ${r.strategy}, ${r.state}${r.pauseReason ? ` (${r.pauseReason})` : ''}`,
    `Targets ${r.totals.targets}: ${r.totals.deployed} deployed, ${r.totals.failed} failed, ${r.totals.backedOut} backed out, ${r.totals.pending} pending`,
  ];
  if (r.reason) lines.push(`Reason: ${r.reason}`);
  const a = r.activationRequest;
  if (a) lines.push(activationLine(a));
  lines.push(
    formatTable(r.waves, [
      { header: 'WAVE', value: (w) => String(w.index) },
      { header: 'NAME', value: (w) => w.name },
      { header: 'ACTION', value: (w) => w.action },
      { header: 'STATE', value: (w) => w.state },
      { header: 'TARGETS', value: (w) => String(w.targets) },
      {
        header: 'DONE',
        value: (w) => String((w.counts.deployed ?? 0) + (w.counts.failed ?? 0) + (w.counts.backed_out ?? 0)),
      },
      { header: 'FAILED', value: (w) => String(w.counts.failed ?? 0) },
      { header: 'GATE PASSED', value: (w) => shortTime(w.gatePassedAt) },
    ]),
  );
  if (r.allowedActions.length > 0) lines.push(`Next: ${r.allowedActions.join(', ')}`);
  return lines;
}

type Activation = NonNullable<Rollout['activationRequest']>;

/** One line on an activation request: who asked for when, and where it stands. */
export function activationLine(a: Activation): string {
  const when = a.activateAt ? `for ${a.activateAt}` : 'for as soon as it is approved';
  const asked = `Activation ${a.id} asked by ${a.requestedBy} ${when}`;
  switch (a.state) {
    case 'pending':
      return `${asked}: waiting for approval (change manager or CAB member, not ${a.requestedBy})`;
    case 'scheduled':
      return `${asked}: approved by ${a.decidedBy ?? '?'}, scheduled`;
    case 'activated':
      return `${asked}: approved by ${a.decidedBy ?? '?'}, activated ${a.activatedAt ?? ''}`.trimEnd();
    case 'rejected':
      return `${asked}: rejected by ${a.decidedBy ?? '?'}: ${a.closedReason ?? ''}`;
    default:
      return `${asked}: ${a.state}${a.closedBy ? ` by ${a.closedBy}` : ''}${a.closedReason ? `: ${a.closedReason}` : ''}`;
  }
}

/** Parses a text/event-stream body into events, calling `onEvent` for each complete one. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: { id: number | null; type: string; data: Record<string, unknown> }) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: number | null = null;
      let type = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = Number(line.slice(4));
        else if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent({ id, type, data: JSON.parse(data) as Record<string, unknown> });
      end = buffer.indexOf('\n\n');
    }
  }
}

/** `slipway rollout …`: start, show, watch and steer rollouts. */
export function registerRolloutCommands(program: Command, io: CliIo): void {
  const rollout = program
    .command('rollout')
    .description('Roll releases out into environments and steer them (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    rollout
      .command('start')
      .description('Start (or schedule with --at) a rollout of an approved release')
      .argument('<release>', 'the release id', positiveInteger)
      .requiredOption('--env <environment>', 'the environment, e.g. production')
      .option('--strategy <kind>', `${ROLLOUT_STRATEGIES.join(', ')} (default: the release's)`)
      .option('--spec <file>', 'a JSON file with the whole request body (see docs/rollouts.md)')
      .option('--by <attribute>', 'phased/dormant: one wave per value of this CI attribute (e.g. site)')
      .option('--percentages <list>', 'phased: wave shares, e.g. 10,30,60')
      .option('--pilot <count>', 'phased: a pilot wave of this many targets first', positiveInteger)
      .option('--canary <count>', 'canary: targets in the first wave', positiveInteger)
      .option('--executor <kind>', 'simulated, manual, command or webhook', 'simulated')
      .option('--latency <ms>', 'simulated: milliseconds per step', positiveInteger)
      .option('--failure-rate <share>', 'simulated: share of steps that fail (0–1)')
      .option('--argv <json>', 'command: the argv template as a JSON array')
      .option('--webhook-url <url>', 'webhook: the URL (template)')
      .option('--secret-env <var>', 'webhook: the environment variable holding the signing secret')
      .option('--concurrency <n>', 'targets in flight per wave', positiveInteger)
      .option('--bake <seconds>', 'wait after each wave before its gates', positiveInteger)
      .option('--threshold <n|n%>', 'failures a wave tolerates', parseThresholdText)
      .option('--on-failure <policy>', 'pause or backout')
      .option('--gate-url <url>', 'an HTTP health gate after each wave')
      .option('--manual-gate', 'a person confirms each wave')
      .option('--at <time>', 'start at this ISO-8601 time', instant)
      .option('--json', 'print JSON'),
  ).action(async (release: number, options: StartOptions) => {
    const { api } = apiClient(options, io);
    const created = await unwrap(
      api.POST('/api/v1/releases/{id}/rollouts', {
        params: { path: { id: release } },
        body: startBody(options, io.env),
      }),
    );
    if (options.json) printJson(io, created);
    else printLines(io, ...summary(created), `Watch it: slipway rollout watch ${created.id}`);
  });

  withApiOptions(
    withPagingOptions(
      rollout
        .command('list')
        .description('Rollouts, newest first')
        .option('--release <id>', 'of one release', positiveInteger)
        .option('--state <state>', `in one state (${ROLLOUT_STATES.join(', ')})`, oneOf(ROLLOUT_STATES))
        .option('--json', 'print JSON: { items, next } (next is null when every match is listed)'),
      'rollout',
    ),
  ).action(async (options: JsonOption & PagingOptions & { release?: number; state?: string }) => {
    const { api } = apiClient(options, io);
    const page = await fetchPaginatedList(
      (cursor, limit) =>
        unwrap(
          api.GET('/api/v1/rollouts', {
            params: {
              query: {
                limit,
                ...(cursor !== undefined && { cursor }),
                ...(options.release && { releaseId: options.release }),
                ...(options.state && { state: options.state }),
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
        formatTable(page.items, [
          { header: 'ID', value: (r) => String(r.id) },
          { header: 'RELEASE', value: (r) => String(r.releaseId) },
          { header: 'ENV', value: (r) => r.environment },
          { header: 'STRATEGY', value: (r) => r.strategy },
          { header: 'STATE', value: (r) => r.state },
          { header: 'DEPLOYED', value: (r) => `${r.totals.deployed}/${r.totals.targets}` },
          { header: 'STARTED', value: (r) => shortTime(r.startedAt) },
        ]),
      );
    if (!options.json) printMoreLine(io, page, 'rollout');
  });

  withApiOptions(
    rollout
      .command('show')
      .description('A rollout with its waves')
      .argument('<id>', 'the rollout id', positiveInteger)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const r = await unwrap(api.GET('/api/v1/rollouts/{id}', { params: { path: { id } } }));
    if (options.json) printJson(io, r);
    else printLines(io, ...summary(r));
  });

  withApiOptions(
    rollout
      .command('watch')
      .description('Follow a rollout live: a progress bar per wave (plain lines when not on a terminal)')
      .argument('<id>', 'the rollout id', positiveInteger)
      .option('--json', 'print each event as a JSON line'),
  ).action(async (id: number, options: JsonOption) => {
    const { api, baseUrl } = apiClient(options, io);
    const token = options.token ?? io.env.SLIPWAY_TOKEN ?? '';
    const initial = await unwrap(api.GET('/api/v1/rollouts/{id}', { params: { path: { id } } }));
    const stream = io.stderr;
    const onTerminal = !options.json && stream instanceof tty.WriteStream && stream.isTTY;
    const multi = onTerminal
      ? new cliProgress.MultiBar(
          {
            stream,
            format: '{name} [{bar}] {value}/{total} {state}',
            hideCursor: true,
            clearOnComplete: false,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    const bars = initial.waves.map((w) =>
      multi?.create(w.targets, 0, { name: `wave ${w.index} ${w.name}`.padEnd(24).slice(0, 24), state: w.state }),
    );
    const res = await fetch(`${baseUrl}/api/v1/rollouts/${id}/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    if (!res.ok || !res.body) throw new CliError(`the event stream answered HTTP ${res.status}`);
    let final = initial.state as string;
    await readEventStream(res.body, (event) => {
      if (options.json) {
        printJson(io, event);
        return;
      }
      if (event.type === 'progress') {
        const waves = (event.data.waves ?? {}) as Record<string, Record<string, number>>;
        for (const [index, counts] of Object.entries(waves)) {
          const done =
            (counts.deployed ?? 0) + (counts.failed ?? 0) + (counts.backed_out ?? 0) + (counts.backout_failed ?? 0);
          const state = Object.entries(counts)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ');
          bars[Number(index)]?.update(done, { state });
        }
        return;
      }
      if (event.type === 'end') {
        final = String(event.data.state);
        return;
      }
      const line = `${String(event.data.at ?? '').slice(11, 19)} ${event.type}${event.data.wave !== undefined ? ` wave ${String(event.data.wave)}` : ''}${event.data.reason ? `: ${String(event.data.reason)}` : ''}`;
      if (multi) multi.log(`${line}\n`);
      else printLines(io, line);
    });
    multi?.stop();
    const last = await unwrap(api.GET('/api/v1/rollouts/{id}', { params: { path: { id } } }));
    if (!options.json) printLines(io, ...summary(last));
    if (!TERMINAL_ROLLOUT_STATES.includes(final as never) && !options.json)
      printLines(io, `The stream ended while the rollout is ${last.state}.`);
  });

  for (const action of ['pause', 'resume', 'abort', 'deactivate', 'backout'] as const) {
    const description = {
      pause: 'Pause: no new targets start',
      resume: 'Resume a paused rollout (failed targets of the wave are tried again)',
      abort: 'Abort for good without backing out',
      deactivate: 'Dormant: switch it off again (activating again needs a new request and approval)',
      backout: 'Back out the changed targets in reverse wave order and restore the CMDB (needs --reason)',
    }[action];
    const command = rollout
      .command(action)
      .description(description)
      .argument('<id>', 'the rollout id', positiveInteger)
      .option('--json', 'print JSON');
    if (action === 'abort' || action === 'backout') command.option('--reason <text>', 'why');
    withApiOptions(command).action(async (id: number, options: JsonOption & { reason?: string }) => {
      if (action === 'backout' && !options.reason) throw new CliError('backout needs --reason "<why>"');
      const { api } = apiClient(options, io);
      const r = await unwrap(
        api.POST(`/api/v1/rollouts/{id}/${action}`, {
          params: { path: { id } },
          body: options.reason ? { reason: options.reason } : {},
        }),
      );
      if (options.json) printJson(io, r);
      else printLines(io, ...summary(r));
    });
  }

  /**
   * `rollout <name> <id>` with the options `configure` adds and `--json`: checks the options, sends the
   * request and prints the rollout it answers (its summary, then the lines `next` adds), or the JSON.
   */
  function rolloutAction<O extends JsonOption>(spec: {
    name: string;
    description: string;
    configure: (command: Command) => Command;
    check?: (options: O) => void;
    send: (api: SlipwayClient, id: number, options: O) => Promise<Rollout>;
    next?: (r: Rollout) => string[];
  }): void {
    withApiOptions(
      spec
        .configure(
          rollout.command(spec.name).description(spec.description).argument('<id>', 'the rollout id', positiveInteger),
        )
        .option('--json', 'print JSON'),
    ).action(async (id: number, options: O) => {
      spec.check?.(options);
      const { api } = apiClient(options, io);
      const r = await spec.send(api, id, options);
      if (options.json) printJson(io, r);
      else printLines(io, ...summary(r), ...(spec.next?.(r) ?? []));
    });
  }

  rolloutAction<JsonOption & { at?: string; note?: string }>({
    name: 'activate',
    description: 'Dormant: request the activation, now or --at a time; someone else approves it (approve-activation)',
    configure: (c) =>
      c
        .option('--at <time>', 'activate at this time (ISO-8601; inside the rollout windows, outside freezes)', instant)
        .option('--note <text>', 'why now, for the approver'),
    send: (api, id, options) =>
      unwrap(
        api.POST('/api/v1/rollouts/{id}/activate', {
          params: { path: { id } },
          body: { ...(options.at && { activateAt: options.at }), ...(options.note && { note: options.note }) },
        }),
      ),
    next: (r) => [`Approve it (someone else): slipway rollout approve-activation ${r.id}`],
  });

  rolloutAction<JsonOption & { note?: string }>({
    name: 'approve-activation',
    description: 'Dormant: approve the requested activation (it starts now, or at its time)',
    configure: (c) => c.option('--note <text>', 'a comment on the decision'),
    send: (api, id, options) =>
      unwrap(
        api.POST('/api/v1/rollouts/{id}/activation/approve', {
          params: { path: { id } },
          body: options.note ? { note: options.note } : {},
        }),
      ),
  });

  rolloutAction<JsonOption & { reason: string }>({
    name: 'reject-activation',
    description: 'Dormant: reject the requested activation',
    configure: (c) => c.requiredOption('--reason <text>', 'why'),
    check: (options) => {
      if (!options.reason.trim()) throw new CliError('reject-activation needs --reason "<why>"');
    },
    send: (api, id, options) =>
      unwrap(
        api.POST('/api/v1/rollouts/{id}/activation/reject', {
          params: { path: { id } },
          body: { reason: options.reason },
        }),
      ),
  });

  rolloutAction<JsonOption & { reason?: string }>({
    name: 'cancel-activation',
    description: 'Dormant: withdraw a pending activation request or call off a scheduled one',
    configure: (c) => c.option('--reason <text>', 'why'),
    send: (api, id, options) =>
      unwrap(
        api.POST('/api/v1/rollouts/{id}/activation/cancel', {
          params: { path: { id } },
          body: options.reason ? { reason: options.reason } : {},
        }),
      ),
  });

  withApiOptions(
    rollout
      .command('activations')
      .description('Dormant: every activation request of a rollout and how it was decided')
      .argument('<id>', 'the rollout id', positiveInteger)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const page = await unwrap(api.GET('/api/v1/rollouts/{id}/activations', { params: { path: { id } } }));
    if (options.json) printJson(io, page);
    else if (page.items.length === 0) printLines(io, `Rollout ${id} has no activation requests.`);
    else printLines(io, ...page.items.map(activationLine));
  });

  rolloutAction<JsonOption & { fail?: boolean; ci?: string; note?: string }>({
    name: 'confirm',
    description: 'Confirm a manual gate or manual steps (--fail to fail them)',
    configure: (c) =>
      c
        .option('--fail', 'the gate or the steps failed')
        .option('--ci <ids>', 'only these CIs (comma-separated ids)')
        .option('--note <text>', 'what was checked'),
    send: (api, id, options) => {
      const ciIds = options.ci?.split(',').map((x) => positiveInteger(x.trim()));
      return unwrap(
        api.POST('/api/v1/rollouts/{id}/confirm', {
          params: { path: { id } },
          body: { passed: !options.fail, ...(ciIds && { ciIds }), ...(options.note && { note: options.note }) },
        }),
      );
    },
  });
}

function parseThresholdText(value: string): string {
  parseThreshold(value);
  return value;
}
