import type { ApiClient } from './crash-workload.js';

/** A contended object of the lost-update test: where its counter lives and how to bump it. */
export interface Contended {
  label: string;
  path: string;
  read(body: Record<string, unknown>): number;
  write(counter: number): Record<string, unknown>;
}

export interface RmwResult {
  /** Versions the successful writes returned, per object path. */
  versions: Map<string, number[]>;
  successes: number;
  /** Status → count of the writes that did not succeed. */
  refused: Record<string, number>;
  /** Error codes of the refused writes. */
  codes: Record<string, number>;
}

/**
 * `clients` clients each complete `updates` read-modify-write increments of a counter on one of
 * `objects` (picked at random each time). `guarded`: the write carries If-Match with the version
 * read, and a 412 makes the client read again and retry. Unguarded, a write lands unless it
 * collided with another one in the same instant (last writer wins), so increments are lost:
 * the negative control.
 */
export async function readModifyWrite(
  api: ApiClient,
  objects: Contended[],
  clients: number,
  updates: number,
  guarded: boolean,
  random: () => number,
): Promise<RmwResult> {
  const result: RmwResult = { versions: new Map(), successes: 0, refused: {}, codes: {} };
  for (const o of objects) result.versions.set(o.path, []);
  const client = async () => {
    let done = 0;
    while (done < updates) {
      const object = objects[Math.floor(random() * objects.length)] as Contended;
      const current = await api.expect<Record<string, unknown> & { version: number }>(200, 'GET', object.path);
      const answer = await api.call(
        'PATCH',
        object.path,
        object.write(object.read(current) + 1),
        guarded ? { 'if-match': `"${current.version}"` } : {},
      );
      if (answer.status === 200) {
        done++;
        result.successes++;
        result.versions.get(object.path)?.push((answer.body as { version: number }).version);
        continue;
      }
      result.refused[answer.status] = (result.refused[answer.status] ?? 0) + 1;
      const code = (answer.body as { error?: { code?: string } } | null)?.error?.code ?? 'none';
      result.codes[code] = (result.codes[code] ?? 0) + 1;
      // Guarded, a stale version is 412. Unguarded, the server still refuses a write that raced
      // another inside the same instant (409 CONFLICT): the client reads again and retries.
      const expected = guarded ? 412 : 409;
      if (answer.status !== expected) {
        throw new Error(`PATCH ${object.path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, () => client()));
  return result;
}

/** `[a, a+1, …, b]` */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
