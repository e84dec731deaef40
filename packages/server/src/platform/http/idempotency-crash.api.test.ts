import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { ManualClock } from '../clock.js';
import { idempotencyRepository } from './idempotency.repository.js';

/**
 * The crash window of Idempotency-Key (issue 11, suite 3): the write commits, then the process
 * dies before the answer is stored. Simulated by failing the step that stores the answer, which
 * is exactly what a process killed at that moment leaves behind: the write committed and the key
 * not `done`. Once the claim lapsed, a retry must answer with the original object and must not run
 * the write again. Also the fence: a write whose key a retry took over meanwhile rolls back.
 */
describe.each(testDatabaseKinds())('Idempotency-Key across a crash after the commit on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-06-01T07:00:00.000Z');
  const LEASE_MS = 5 * 60_000;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const keyRow = (key: string) =>
    t.slipway.ctx.database.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();

  async function count(table: 'cis' | 'changes' | 'api_tokens', column: string, value: string): Promise<number> {
    const row = await t.slipway.ctx.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column as never, '=', value as never)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Sends the request once with the answer's storage failing: the process "dies" after the commit. */
  async function crashAfterCommit(send: () => ReturnType<TestApp['request']>): Promise<void> {
    const complete = vi
      .spyOn(idempotencyRepository, 'complete')
      .mockRejectedValueOnce(new Error('simulated crash: the process died before the answer was stored'));
    const lost = await send();
    expect(complete).toHaveBeenCalledTimes(1);
    // The client never saw a success (in a real crash: a reset connection).
    expect(lost.statusCode).toBeGreaterThanOrEqual(500);
    complete.mockRestore();
  }

  it('answers a retry after the claim lapsed with the object created before the crash, and creates no second one', async () => {
    const key = `crash-ci-${kind}`;
    const body = { class: 'server', name: `crash-ci-${kind}`, attributes: { cpu_cores: 4 } };
    const send = () => t.request({ method: 'POST', url: '/api/v1/cis', body, headers: { 'idempotency-key': key } });

    await crashAfterCommit(send);
    // The write and the key's outcome committed together.
    expect(await count('cis', 'name', body.name)).toBe(1);
    const marked = await keyRow(key);
    expect(marked?.state).toBe('committed');
    const created = JSON.parse(marked?.response_headers ?? '{}').object as { type: string; id: string };
    expect(created.type).toBe('ci');

    // While the first request's claim holds, a retry waits (it is not run a second time).
    const early = await send();
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json().error.code).toBe('IDEMPOTENCY_IN_PROGRESS');

    clock.advance(LEASE_MS + 1000);
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(`/api/v1/cis/${created.id}`);
    expect(String(retry.json().id)).toBe(created.id);
    expect(retry.json().name).toBe(body.name);
    expect(await count('cis', 'name', body.name)).toBe(1);

    // The recovered answer is stored: later retries replay it.
    expect((await keyRow(key))?.state).toBe('done');
    const again = await send();
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(retry.json().id);
    expect(await count('cis', 'name', body.name)).toBe(1);
  });

  it('does the same for another route (a request for change)', async () => {
    const key = `crash-change-${kind}`;
    const body = { type: 'normal', title: `crash-change-${kind}` };
    const send = () => t.request({ method: 'POST', url: '/api/v1/changes', body, headers: { 'idempotency-key': key } });
    await crashAfterCommit(send);
    clock.advance(LEASE_MS + 1000);
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().title).toBe(body.title);
    expect(await count('changes', 'title', body.title)).toBe(1);
  });

  it('never re-runs a write whose answer cannot be rebuilt: 409 names the object, no second one', async () => {
    // A new API token: its answer holds a secret shown once, so it is never read back.
    const user = await t.userWithRoles(`crash-token-owner-${kind}`, ['engineer']);
    const key = `crash-token-${kind}`;
    const name = `crash-token-${kind}`;
    const send = () =>
      t.request({
        method: 'POST',
        url: '/api/v1/tokens',
        body: { name, userId: user.id },
        headers: { 'idempotency-key': key },
      });
    await crashAfterCommit(send);
    expect(await count('api_tokens', 'name', name)).toBe(1);
    clock.advance(LEASE_MS + 1000);
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(409);
    expect(retry.json().error.code).toBe('CONFLICT');
    expect(retry.json().error.details.objectType).toBe('token');
    expect(retry.body).not.toMatch(/secret/i);
    expect(await count('api_tokens', 'name', name)).toBe(1);
  });

  it('rolls back a write whose key a retry took over while it ran (the lease is the fence)', async () => {
    const key = `crash-fence-${kind}`;
    const body = { class: 'server', name: `crash-fence-${kind}` };
    // Right after this request claims the key, its lease runs out and a retry takes the key over.
    const claim = idempotencyRepository.tryInsert.bind(idempotencyRepository);
    vi.spyOn(idempotencyRepository, 'tryInsert').mockImplementationOnce(async (db, row) => {
      const inserted = await claim(db, row);
      await t.slipway.ctx.database.db
        .updateTable('idempotency_keys')
        .set({ lease_until: '2099-01-01T00:00:00.000Z', owner: null })
        .where('key', '=', row.key)
        .execute();
      return inserted;
    });
    const first = await t.request({ method: 'POST', url: '/api/v1/cis', body, headers: { 'idempotency-key': key } });
    expect(first.statusCode, first.body).toBe(409);
    expect(first.json().error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(await count('cis', 'name', body.name)).toBe(0);
    expect((await keyRow(key))?.state).toBe('in_progress');
  });
});
