import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';

/**
 * Creating one name from several requests at once. A service's "already exists?" check can pass
 * for all of them (on PostgreSQL transactions run side by side); the unique index then refuses all
 * but one. Every loser gets a 409 CONFLICT like a late duplicate — never a 500 — and exactly one
 * object exists.
 */
const RACES = [
  {
    what: 'a user',
    url: '/api/v1/users',
    body: { username: 'raced-name', roles: ['engineer'], password: null },
    count: (t: TestApp) =>
      t.slipway.ctx.database.db.selectFrom('users').select('id').where('username', '=', 'raced-name').execute(),
  },
  {
    what: 'a team',
    url: '/api/v1/teams',
    body: { name: 'Raced team' },
    count: (t: TestApp) =>
      t.slipway.ctx.database.db.selectFrom('teams').select('id').where('name', '=', 'Raced team').execute(),
  },
  {
    what: 'a CI',
    url: '/api/v1/cis',
    body: { class: 'server', name: 'raced-srv-01', environment: 'production' },
    count: (t: TestApp) =>
      t.slipway.ctx.database.db
        .selectFrom('cis')
        .select('id')
        .where('class', '=', 'server')
        .where('name', '=', 'raced-srv-01')
        .execute(),
  },
];

describe.each(testDatabaseKinds())('concurrent creation of one name on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(RACES)('creates $what once and answers the others 409 CONFLICT', async ({ url, body, count }) => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.request({ method: 'POST', url, body })));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses, answers.map((a) => a.body).join('\n')).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.statusCode === 409)) {
      expect(refused.json().error.code).toBe('CONFLICT');
    }
    expect(await count(t)).toHaveLength(1);
  });

  it.runIf(kind === 'postgres')(
    'keeps a clash on a generated id a logged 500: a sequence behind its table is no race of names',
    async () => {
      const db = t.slipway.ctx.database.db;
      await sql`select setval(pg_get_serial_sequence('teams', 'id'), 1, false)`.execute(db);
      const first = await t.request({ method: 'POST', url: '/api/v1/teams', body: { name: 'Behind the sequence' } });
      expect(first.statusCode, first.body).toBe(500);
      expect(first.json().error.code).toBe('INTERNAL');
      await sql`select setval(pg_get_serial_sequence('teams', 'id'), (select max(id) from teams))`.execute(db);
      const after = await t.request({ method: 'POST', url: '/api/v1/teams', body: { name: 'Behind the sequence' } });
      expect(after.statusCode, after.body).toBe(201);
    },
  );

  it('audits the one user it created, once', async () => {
    const [user] = await t.slipway.ctx.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'raced-name')
      .execute();
    const audited = await t.slipway.ctx.database.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'user.create')
      .where('object_id', '=', String(user?.id))
      .execute();
    expect(audited).toHaveLength(1);
  });
});
