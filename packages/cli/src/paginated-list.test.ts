import type { Page } from '@slipway/client';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { fetchPaginatedList, MAX_PAGE, printMoreLine } from './paginated-list.js';

/** A stand-in API over `total` numbered items: the cursor is the index of the next item. */
function fakeApi(total: number) {
  const asked: { cursor: string | undefined; limit: number }[] = [];
  const fetchPage = async (cursor: string | undefined, limit: number): Promise<Page<number>> => {
    asked.push({ cursor, limit });
    const from = cursor === undefined ? 0 : Number(cursor);
    const to = Math.min(total, from + limit);
    const items = Array.from({ length: to - from }, (_, i) => from + i);
    return { items, next: to < total ? String(to) : null };
  };
  return { fetchPage, asked };
}

describe('fetchPaginatedList', () => {
  it('without --all returns the first 50 and the cursor of the rest', async () => {
    const { fetchPage, asked } = fakeApi(120);
    const listed = await fetchPaginatedList(fetchPage, {});
    expect(listed.items).toHaveLength(50);
    expect(listed.next).toBe('50');
    expect(asked).toEqual([{ cursor: undefined, limit: 50 }]);
  });

  it('with --limit returns that many; next is null when nothing is left', async () => {
    expect(await fetchPaginatedList(fakeApi(3).fetchPage, { limit: 10 })).toEqual({ items: [0, 1, 2], next: null });
    expect((await fetchPaginatedList(fakeApi(30).fetchPage, { limit: 30 })).next).toBeNull();
  });

  it('with --all follows the cursor to the end in pages of the largest size', async () => {
    const { fetchPage, asked } = fakeApi(2 * MAX_PAGE + 5);
    const listed = await fetchPaginatedList(fetchPage, { all: true, limit: 10 });
    expect(listed.items).toHaveLength(2 * MAX_PAGE + 5);
    expect(listed.items.at(-1)).toBe(2 * MAX_PAGE + 4);
    expect(listed.next).toBeNull();
    expect(asked.map((a) => a.cursor)).toEqual([undefined, String(MAX_PAGE), String(2 * MAX_PAGE)]);
    expect(asked.every((a) => a.limit === MAX_PAGE)).toBe(true);
  });

  it('stops at an empty page even when it carries a cursor', async () => {
    let calls = 0;
    const listed = await fetchPaginatedList(
      async () => {
        calls++;
        return { items: [], next: 'again' };
      },
      { all: true },
    );
    expect(listed).toEqual({ items: [], next: null });
    expect(calls).toBe(1);
  });
});

describe('printMoreLine', () => {
  it('says how many were listed and how to get the rest, or nothing when the list is whole', () => {
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) } } as unknown as CliIo;
    printMoreLine(io, { items: [1, 2], next: null }, 'change');
    expect(out).toBe('');
    printMoreLine(io, { items: Array.from({ length: 1500 }, (_, i) => i), next: 'x' }, 'change');
    expect(out).toBe('(first 1,500; --all lists every change)\n');
  });
});
