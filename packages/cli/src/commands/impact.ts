import { unwrap } from '@slipway/client';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import {
  commaList,
  count,
  type GraphAnswer,
  parseCiSelector,
  plural,
  refOf,
  resolveCi,
  resolveCiId,
} from '../cmdb-api.js';

interface GraphOptions extends ApiOptions {
  depth?: number;
  types?: string[];
  classes?: string[];
  explain?: string;
  limit?: number;
  all?: boolean;
  json?: boolean;
}

type Direction = 'impact' | 'dependencies';

/** The API's largest page: --all walks big answers in as few requests as it can. */
const MAX_PAGE = 10_000;
const DEFAULT_LIMIT = 100;

/** A whole number from `min` to `max` from the command line. */
export function boundedInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
}

/** The items of an answer grouped by depth, as a compact tree: deeper CIs are indented further. */
export function depthGroups(items: GraphAnswer['items']): string[] {
  const groups = new Map<number, GraphAnswer['items']>();
  for (const item of items) {
    const group = groups.get(item.depth);
    if (group) group.push(item);
    else groups.set(item.depth, [item]);
  }
  const lines: string[] = [];
  for (const depth of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(depth) ?? [];
    lines.push(`depth ${depth} (${count(group.length)})`);
    const indent = '  '.repeat(Math.max(1, depth));
    for (const item of group) lines.push(`${indent}${refOf(item)}  #${item.id}`);
  }
  return lines;
}

/** `openssl —installed_on→ web-01 —runs_on→ shop`: each arrow the relationship impact crossed. */
export function explainPath(path: NonNullable<GraphAnswer['path']>): string {
  return path.map((hop, i) => (i === 0 || hop.via === null ? hop.name : `—${hop.via}→ ${hop.name}`)).join(' ');
}

function describe(direction: Direction, answer: GraphAnswer, explained: string | undefined, options: GraphOptions) {
  const what = direction === 'impact' ? 'Impact of' : 'Dependencies of';
  const lines = [`${what} ${refOf(answer.root)} (id ${answer.root.id}): ${plural(answer.count, 'CI')}`];
  if (answer.summary.length > 0) {
    lines.push(`By class: ${answer.summary.map((s) => `${s.class} ${count(s.count)}`).join(', ')}`);
  }
  if (answer.items.length > 0) lines.push('', ...depthGroups(answer.items));
  if (answer.items.length < answer.count) {
    lines.push(
      '',
      `Listed ${count(answer.items.length)} of ${count(answer.count)}: --all lists every one, --limit N the first N`,
    );
  }
  if (explained !== undefined) {
    const filtered = options.depth !== undefined || options.types !== undefined ? ' with these filters' : '';
    lines.push(
      '',
      answer.path
        ? `Why ${explained}: ${explainPath(answer.path)}`
        : `${explained} is not reached from ${refOf(answer.root)}${filtered}`,
    );
  }
  return lines;
}

function registerGraphCommand(program: Command, io: CliIo, direction: Direction): void {
  const description =
    direction === 'impact'
      ? 'What breaks if this CI changes: every CI a change to it propagates to'
      : 'What this CI needs: every CI whose change would reach it';
  withApiOptions(
    program
      .command(direction)
      .description(description)
      .argument('<ci>', 'the CI: class/name (e.g. software/openssl) or its numeric id')
      .option('--depth <n>', 'hops to follow (default: no limit)', boundedInteger(1, 1000))
      .option('--types <types>', 'relationship types to follow, comma-separated (default: all)', commaList)
      .option(
        '--classes <classes>',
        'list only CIs of these classes, comma-separated (the walk crosses all)',
        commaList,
      )
      .option('--explain <ci>', 'show one shortest path from the CI to this one (class/name or id)')
      .option(
        '--limit <n>',
        `CIs to list (default ${DEFAULT_LIMIT}; 0: count and summary only)`,
        boundedInteger(0, MAX_PAGE),
      )
      .option('--all', 'list every CI reached (pages through the whole answer)')
      .option('--json', 'print the answer as JSON (with --all: every item, next is null)'),
  ).action(async (ci: string, options: GraphOptions) => {
    const { api } = apiClient(options, io);
    const id = await resolveCiId(api, ci);
    let explainId: number | undefined;
    let explained: string | undefined;
    if (options.explain !== undefined) {
      const selector = parseCiSelector(options.explain);
      if ('id' in selector) {
        explainId = selector.id;
        explained = `CI ${selector.id}`;
      } else {
        const target = await resolveCi(api, options.explain);
        explainId = target.id;
        explained = refOf(target);
      }
    }
    const limit = options.all ? (options.limit ?? MAX_PAGE) || MAX_PAGE : (options.limit ?? DEFAULT_LIMIT);
    const page = (cursor: string | undefined) =>
      unwrap(
        api.GET(`/api/v1/cis/{id}/${direction}`, {
          params: {
            path: { id },
            query: {
              limit,
              ...(cursor !== undefined && { cursor }),
              ...(options.depth !== undefined && { depth: options.depth }),
              ...(options.types !== undefined && { types: options.types.join(',') }),
              ...(options.classes !== undefined && { classes: options.classes.join(',') }),
              // Only the first page explains: the path does not change from page to page.
              ...(explainId !== undefined && cursor === undefined && { explain: explainId }),
            },
          },
        }),
      );
    const answer = await page(undefined);
    if (options.all) {
      let next = answer.next;
      while (next !== null) {
        const more = await page(next);
        answer.items.push(...more.items);
        next = more.items.length > 0 ? more.next : null;
      }
      answer.next = null;
    }
    if (answer.path && explained?.startsWith('CI ')) {
      const last = answer.path.at(-1);
      if (last) explained = refOf(last);
    }
    if (options.json) printJson(io, answer);
    else printLines(io, ...describe(direction, answer, explained, options));
  });
}

/** `slipway impact <ci>` and `slipway dependencies <ci>`: the two walks of the CMDB graph. */
export function registerImpactCommands(program: Command, io: CliIo): void {
  registerGraphCommand(program, io, 'impact');
  registerGraphCommand(program, io, 'dependencies');
}
