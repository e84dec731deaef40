import { type paths, unwrap } from '@slipway/client';
import {
  BREAK_GLASS_DEFAULT_MINUTES,
  BREAK_GLASS_MAX_MINUTES,
  BREAK_GLASS_REASON_MAX,
  BREAK_GLASS_REASON_MIN,
} from '@slipway/model';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines, printNote } from '../cli-io.js';
import { positiveInt, textOfLength, wholeNumberIn } from '../option-parsers.js';
import { fetchPaginatedList, type PagingOptions, printMoreLine, withPagingOptions } from '../paginated-list.js';
import { formatTable, shortTime } from '../table-format.js';

type Elevation = paths['/api/v1/auth/break-glass']['post']['responses'][201]['content']['application/json'];
type Overview = paths['/api/v1/auth/break-glass']['get']['responses'][200]['content']['application/json'];

interface StartOptions extends ApiOptions {
  reason: string;
  minutes?: number;
  json?: boolean;
}

interface ListOptions extends ApiOptions, PagingOptions {
  userId?: number;
  json?: boolean;
}

interface EndOptions extends ApiOptions {
  json?: boolean;
}

function minutesLeft(elevation: Elevation, now = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(elevation.expiresAt) - now) / 60_000));
}

function status(elevation: Elevation): string {
  if (elevation.active) return `active, ${minutesLeft(elevation)} min left`;
  return elevation.endReason === 'expired' ? 'expired' : `ended by ${elevation.endedBy ?? '?'}`;
}

/** `slipway break-glass start|end|list`: an admin's audited, time-boxed emergency elevation. */
export function registerBreakGlassCommands(program: Command, io: CliIo): void {
  const breakGlass = program
    .command('break-glass')
    .description(
      'Admins: a time-boxed emergency elevation of your own account (every permission, segregation of duties waived, every audit entry flagged)',
    );

  withApiOptions(
    breakGlass
      .command('start')
      .description('Start an elevation; the reason is copied into every audit entry you write under it')
      .requiredOption(
        '-r, --reason <text>',
        `the emergency, ${BREAK_GLASS_REASON_MIN}–${BREAK_GLASS_REASON_MAX} characters (incident or change number, what must be done)`,
        textOfLength(BREAK_GLASS_REASON_MIN, BREAK_GLASS_REASON_MAX),
      )
      .option(
        '-m, --minutes <n>',
        `how long, 1 to ${BREAK_GLASS_MAX_MINUTES} (default ${BREAK_GLASS_DEFAULT_MINUTES}); it ends by itself`,
        wholeNumberIn(1, BREAK_GLASS_MAX_MINUTES),
      )
      .option('--json', 'print JSON'),
  ).action(async (options: StartOptions) => {
    const { api } = apiClient(options, io);
    const elevation = await unwrap(
      api.POST('/api/v1/auth/break-glass', {
        body: { reason: options.reason, ...(options.minutes !== undefined && { minutes: options.minutes }) },
      }),
    );
    if (options.json) {
      printJson(io, { breakGlass: elevation });
      return;
    }
    printLines(io, `Break-glass elevation ${elevation.id} active until ${elevation.expiresAt}`);
    printNote(
      io,
      'You hold every permission and segregation of duties no longer stops you. Every audit entry you',
      `write is flagged with elevation ${elevation.id} and its reason. End it as soon as you can: slipway break-glass end`,
    );
  });

  withApiOptions(
    breakGlass.command('end').description('End your active elevation now').option('--json', 'print JSON'),
  ).action(async (options: EndOptions) => {
    const { api } = apiClient(options, io);
    const elevation = await unwrap(api.DELETE('/api/v1/auth/break-glass'));
    if (options.json) printJson(io, { breakGlass: elevation });
    else printLines(io, `Ended break-glass elevation ${elevation.id} (started ${elevation.startedAt})`);
  });

  withApiOptions(
    withPagingOptions(
      breakGlass
        .command('list')
        .description('Your active elevation, and every elevation newest first (admins and auditors)')
        .option('--user-id <id>', "only this user's elevations", positiveInt)
        .option('--json', 'print JSON: { current, items, next } (next is null when every one is listed)'),
      'elevation',
    ),
  ).action(async (options: ListOptions) => {
    const { api } = apiClient(options, io);
    let current: Overview['current'] = null;
    const listed = await fetchPaginatedList(async (cursor, limit) => {
      const page = await unwrap(
        api.GET('/api/v1/auth/break-glass', {
          params: {
            query: {
              limit,
              ...(cursor !== undefined && { cursor }),
              ...(options.userId !== undefined && { userId: options.userId }),
            },
          },
        }),
      );
      current = page.current;
      return page;
    }, options);
    const overview = { current: current as Overview['current'], ...listed };
    if (options.json) {
      printJson(io, overview);
      return;
    }
    if (overview.current) {
      printLines(
        io,
        `You are elevated: ${overview.current.id}, ${minutesLeft(overview.current)} min left — "${overview.current.reason}"`,
      );
    }
    if (overview.items.length === 0) {
      printLines(io, 'No break-glass elevations');
      return;
    }
    printLines(
      io,
      formatTable(overview.items, [
        { header: 'ID', value: (e) => String(e.id) },
        { header: 'USER', value: (e) => e.username },
        { header: 'STARTED', value: (e) => shortTime(e.startedAt) },
        { header: 'UNTIL', value: (e) => shortTime(e.endedAt ?? e.expiresAt) },
        { header: 'STATUS', value: (e) => status(e) },
        { header: 'REASON', value: (e) => e.reason },
      ]),
    );
    printMoreLine(io, listed, 'elevation');
  });
}
