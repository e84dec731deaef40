import type { Page } from '@slipway/client';
import type { Command } from 'commander';
import { type CliIo, printLines } from './cli-io.js';
import { count } from './cmdb-api.js';
import { wholeNumberIn } from './option-parsers.js';

/** The API's largest page: --all walks a long list in as few requests as it can. */
export const MAX_PAGE = 1000;

/** What a list command shows without --limit or --all. */
export const DEFAULT_LIST_LIMIT = 50;

/** The flags of a list command that pages through the API. */
export interface PagingOptions {
  limit?: number | undefined;
  all?: boolean | undefined;
}

/** Adds `--limit <n>` and `--all` to a list command; `noun` names what it lists, e.g. `change`. */
export function withPagingOptions(command: Command, noun: string): Command {
  return command
    .option(
      '--limit <n>',
      `how many to list (default ${DEFAULT_LIST_LIMIT}, at most ${MAX_PAGE}; --all for every one)`,
      wholeNumberIn(1, MAX_PAGE),
    )
    .option('--all', `list every ${noun} (follows the pages to the end)`);
}

/**
 * The items a list command shows, and the cursor of the rest: with `all`, every item (next is null);
 * otherwise the first `limit` (default 50), with `next` non-null when there are more.
 * `fetchPage` asks the API for one page of at most `limit` items after `cursor`.
 */
export async function fetchPaginatedList<Item>(
  fetchPage: (cursor: string | undefined, limit: number) => Promise<Page<Item>>,
  options: PagingOptions,
): Promise<Page<Item>> {
  const wanted = options.all ? Number.POSITIVE_INFINITY : (options.limit ?? DEFAULT_LIST_LIMIT);
  const items: Item[] = [];
  let next: string | null = null;
  do {
    const page = await fetchPage(next ?? undefined, Math.min(MAX_PAGE, wanted - items.length));
    items.push(...page.items);
    // An empty page with a cursor would loop for ever: treat it as the end.
    next = page.items.length > 0 ? page.next : null;
  } while (next !== null && items.length < wanted);
  return { items, next };
}

/**
 * Under a table that is not the whole list, says so and how to get the rest:
 * `(first 50; --all lists every change)`. Prints nothing when the list is complete.
 */
export function printMoreLine(io: CliIo, listed: Page<unknown>, noun: string): void {
  if (listed.next !== null) printLines(io, `(first ${count(listed.items.length)}; --all lists every ${noun})`);
}
