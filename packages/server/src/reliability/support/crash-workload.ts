/**
 * The mixed write load of the crash and backup suites, and the ledger of what the server
 * acknowledged. A write counts as acknowledged only when its 2xx answer arrived in full; a
 * request cut off by the crash is unknown (it may or may not have committed) and is never
 * counted. The invariant checked afterwards (Jepsen's "no lost acknowledged write"): every
 * acknowledged write is in the database, with at least the acknowledged version.
 */

export interface AckedCi {
  name: string;
  /** The latest acknowledged (or read-back) version and the hostname it carried. */
  version: number;
  hostname: string;
}

export interface AckedRelationship {
  sourceId: number;
  targetId: number;
  type: string;
}

export interface AckedChange {
  title: string;
  ciIds: number[];
}

/** A request for change sent with an Idempotency-Key whose answer the crash swallowed. */
export interface PendingChange {
  key: string;
  body: { type: string; title: string; ciIds: number[]; backoutPlan: string };
}

/** Everything the server acknowledged, plus counts of what was attempted. */
export class AckLedger {
  readonly cis = new Map<number, AckedCi>();
  readonly relationships = new Map<number, AckedRelationship>();
  readonly changes = new Map<number, AckedChange>();
  acknowledged = 0;
  /** Requests that got no answer (the server died under them): outcome unknown. */
  unanswered = 0;
  /** Updates refused with 412 because an unacknowledged update had committed before a crash. */
  staleAfterCrash = 0;
  /** Writes the server refused with 503 (load shedding): not done, retried later like any client would. */
  shed = 0;
  /** Unanswered creates of requests for change, to be retried with their Idempotency-Key. */
  readonly pendingChanges: PendingChange[] = [];
}

/** A 503 from the overload guard: the write was refused, definitely not done. */
class Shed extends Error {}

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      // Not JSON (metrics, HTML): keep the text.
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** Calls and fails with the answer when the status is not the expected one. */
  async expect<T>(
    status: number,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const answer = await this.call(method, path, body, headers);
    if (answer.status !== status) {
      throw new Error(`${method} ${path} → ${answer.status} (expected ${status}): ${JSON.stringify(answer.body)}`);
    }
    return answer.body as T;
  }

  /** Every item of a paginated collection. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    const separator = path.includes('?') ? '&' : '?';
    do {
      const page: { items: T[]; next: string | null } = await this.expect(
        200,
        'GET',
        `${path}${separator}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return items;
  }
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface CiJson {
  id: number;
  name: string;
  version: number;
  attributes: Record<string, unknown>;
}

export interface WriterOptions {
  api: ApiClient;
  ledger: AckLedger;
  /** Names of this round's objects start with it (unique per round). */
  prefix: string;
  clients: number;
  random: () => number;
  /** How long a writer waits after a 503 before its next write (default 250 ms). */
  shedBackoffMs?: number;
}

/**
 * Runs `clients` writers against the server until they are stopped or the server dies under
 * them. Each writer owns its CIs (so a 412 can only come from a crash, not from a neighbour) and
 * mixes: a new CI (40 %), an update of one of its CIs with If-Match (25 %), a relationship
 * between two of its CIs (20 %), a request for change on one of its CIs (15 %).
 */
export function startWriters(options: WriterOptions): { stop(): Promise<void> } {
  const { api, ledger, random } = options;
  let running = true;
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  const call: ApiClient['call'] = async (...args) => {
    const answer = await api.call(...args);
    if (answer.status === 503) throw new Shed();
    return answer;
  };

  const writer = async (w: number) => {
    const mine: number[] = [...ledger.cis.entries()].filter(([, ci]) => ci.name.includes(`-w${w}-`)).map(([id]) => id);
    let n = 0;
    while (running) {
      const roll = random();
      n++;
      let pending: PendingChange | undefined;
      // Only answers that say this request wrote count as acknowledged writes: a 412 (an earlier,
      // cut-off update had committed) or a 409 (the pair was already related) wrote nothing, and
      // counting them would claim more writes than the audit trail can hold.
      let wrote = true;
      try {
        if (roll < 0.4 || mine.length < 2) {
          const name = `${options.prefix}-w${w}-${n}`;
          const hostname = `${name}.example.test`;
          const answer = await call('POST', '/api/v1/cis', {
            class: 'server',
            name,
            environment: 'production',
            attributes: { hostname },
          });
          if (answer.status !== 201) throw new Error(`create CI → ${answer.status}: ${JSON.stringify(answer.body)}`);
          const ci = answer.body as CiJson;
          ledger.cis.set(ci.id, { name, version: ci.version, hostname });
          mine.push(ci.id);
        } else if (roll < 0.65) {
          const id = pick(mine) as number;
          const known = ledger.cis.get(id) as AckedCi;
          const hostname = `${options.prefix}-u${n}.example.test`;
          const answer = await call(
            'PATCH',
            `/api/v1/cis/${id}`,
            { attributes: { hostname } },
            { 'if-match': `"${known.version}"` },
          );
          if (answer.status === 200) {
            const ci = answer.body as CiJson;
            ledger.cis.set(id, { ...known, version: ci.version, hostname });
          } else if (answer.status === 412) {
            // An update whose answer the crash swallowed did commit: read the committed state,
            // which is as durable as an acknowledged one.
            wrote = false;
            ledger.staleAfterCrash++;
            const read = await call('GET', `/api/v1/cis/${id}`);
            if (read.status !== 200) throw new Error(`read CI → ${read.status}: ${JSON.stringify(read.body)}`);
            const current = read.body as CiJson;
            ledger.cis.set(id, { ...known, version: current.version, hostname: String(current.attributes.hostname) });
          } else {
            throw new Error(`update CI → ${answer.status}: ${JSON.stringify(answer.body)}`);
          }
        } else if (roll < 0.85) {
          const sourceId = pick(mine) as number;
          const targetId = pick(mine.filter((id) => id !== sourceId)) as number;
          const answer = await call('POST', '/api/v1/relationships', { sourceId, type: 'depends_on', targetId });
          if (answer.status === 201) {
            const id = (answer.body as { id: number }).id;
            ledger.relationships.set(id, { sourceId, targetId, type: 'depends_on' });
          } else if (answer.status === 409) {
            // The pair is already related (an earlier write, perhaps one the crash cut off).
            wrote = false;
          } else {
            throw new Error(`relate → ${answer.status}: ${JSON.stringify(answer.body)}`);
          }
        } else {
          const ciIds = [pick(mine) as number];
          const title = `${options.prefix} change ${w}-${n}`;
          // Requests for change have no unique name: only the Idempotency-Key keeps a retry of
          // one whose answer was lost from raising it twice (see retryPendingChanges).
          pending = {
            key: `${options.prefix}-change-${w}-${n}`,
            body: { type: 'normal', title, ciIds, backoutPlan: 'Restore the previous configuration' },
          };
          const answer = await call('POST', '/api/v1/changes', pending.body, { 'idempotency-key': pending.key });
          if (answer.status !== 201) throw new Error(`raise change → ${answer.status}: ${JSON.stringify(answer.body)}`);
          ledger.changes.set((answer.body as { id: number }).id, { title, ciIds });
        }
        if (wrote) ledger.acknowledged++;
      } catch (error) {
        if (error instanceof Shed) {
          ledger.shed++;
          await new Promise((resolve) => setTimeout(resolve, options.shedBackoffMs ?? 250));
          continue;
        }
        if (error instanceof TypeError) {
          // fetch failed: no answer, the server is gone. The write's outcome is unknown.
          ledger.unanswered++;
          if (pending) ledger.pendingChanges.push(pending);
          return;
        }
        running = false;
        throw error;
      }
    }
  };

  // A writer's failure is kept and rethrown by stop(), never left as an unhandled rejection.
  let failure: unknown;
  const all = Promise.all(
    Array.from({ length: options.clients }, (_, w) =>
      writer(w).catch((error: unknown) => {
        failure ??= error;
      }),
    ),
  );
  return {
    async stop() {
      running = false;
      await all;
      if (failure) throw failure;
    },
  };
}

export interface LedgerCheck {
  cisChecked: number;
  relationshipsChecked: number;
  changesChecked: number;
  /** Human-readable descriptions of every acknowledged write that is missing or older. */
  lost: string[];
}

/** Reads everything back through the API and lists every acknowledged write that is not there. */
export async function checkLedger(api: ApiClient, ledger: AckLedger): Promise<LedgerCheck> {
  const lost: string[] = [];
  const cis = new Map((await api.all<CiJson>('/api/v1/cis')).map((ci) => [ci.id, ci]));
  for (const [id, acked] of ledger.cis) {
    const ci = cis.get(id);
    if (!ci) lost.push(`CI ${id} (${acked.name}) is missing`);
    else if (ci.name !== acked.name) lost.push(`CI ${id} is named ${ci.name}, acknowledged as ${acked.name}`);
    else if (ci.version < acked.version)
      lost.push(`CI ${id} is at version ${ci.version}, acknowledged ${acked.version}`);
    else if (ci.version === acked.version && ci.attributes.hostname !== acked.hostname) {
      lost.push(
        `CI ${id} v${ci.version} has hostname ${String(ci.attributes.hostname)}, acknowledged ${acked.hostname}`,
      );
    }
  }
  const relationships = new Map(
    (await api.all<AckedRelationship & { id: number }>('/api/v1/relationships')).map((r) => [r.id, r]),
  );
  for (const [id, acked] of ledger.relationships) {
    const r = relationships.get(id);
    if (!r || r.sourceId !== acked.sourceId || r.targetId !== acked.targetId || r.type !== acked.type) {
      lost.push(`relationship ${id} (${acked.sourceId} ${acked.type} ${acked.targetId}) is missing or different`);
    }
  }
  const changes = new Map(
    (await api.all<{ id: number; title: string; ciIds: number[] }>('/api/v1/changes')).map((c) => [c.id, c]),
  );
  for (const [id, acked] of ledger.changes) {
    const c = changes.get(id);
    if (!c || c.title !== acked.title || JSON.stringify(c.ciIds) !== JSON.stringify(acked.ciIds)) {
      lost.push(`change ${id} (${acked.title}) is missing or different`);
    }
  }
  return {
    cisChecked: ledger.cis.size,
    relationshipsChecked: ledger.relationships.size,
    changesChecked: ledger.changes.size,
    lost,
  };
}

export interface PendingRetries {
  retried: number;
  /** Answered from the first attempt: it had committed before the crash (a replay, or the recovered object). */
  replayed: number;
  /** The first attempt had not committed: the retry carried the write out now. */
  executed: number;
}

/**
 * Retries every unanswered request-for-change create with its Idempotency-Key, as a client
 * would, until each one is answered (a key whose first request died stays 409 in flight until the
 * dead instance is known dead, DEAD_AFTER_MS after its last heartbeat). Each answer goes into the
 * ledger; `checkDuplicates` then proves there is exactly one change per key.
 */
export async function retryPendingChanges(
  api: ApiClient,
  ledger: AckLedger,
  timeoutMs: number,
): Promise<PendingRetries> {
  const result: PendingRetries = { retried: 0, replayed: 0, executed: 0 };
  const deadline = Date.now() + timeoutMs;
  for (const p of ledger.pendingChanges.splice(0)) {
    for (;;) {
      const answer = await api.call('POST', '/api/v1/changes', p.body, { 'idempotency-key': p.key });
      const code = (answer.body as { error?: { code: string } } | null)?.error?.code;
      if (answer.status === 409 && code === 'IDEMPOTENCY_IN_PROGRESS' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (answer.status !== 201) {
        throw new Error(`retry of ${p.key} → ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      result.retried++;
      if (answer.headers.get('idempotent-replayed') === 'true') result.replayed++;
      else result.executed++;
      ledger.changes.set((answer.body as { id: number }).id, { title: p.body.title, ciIds: p.body.ciIds });
      ledger.acknowledged++;
      break;
    }
  }
  return result;
}

/** Titles of requests for change that exist more than once (each title is sent under one key). */
export async function duplicateChanges(api: ApiClient): Promise<string[]> {
  const seen = new Map<string, number>();
  for (const c of await api.all<{ title: string }>('/api/v1/changes')) seen.set(c.title, (seen.get(c.title) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([title, n]) => `${title} ×${n}`);
}
