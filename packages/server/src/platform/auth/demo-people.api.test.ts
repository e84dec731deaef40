import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { DEMO_PEOPLE, demoPerson } from './demo-people.js';

/** The demo's people are real accounts, created once whichever seeder needs one first. */
describe.each(testDatabaseKinds())('demo people on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a person once, without password or token, and acts as that account', async () => {
    const first = await demoPerson(t.slipway.ctx, DEMO_PEOPLE.releaseManager);
    const again = await demoPerson(t.slipway.ctx, DEMO_PEOPLE.releaseManager);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ username: 'demo-release-manager', roles: ['release_manager'] });
    expect(first.userId).not.toBeNull();
    const users = (await t.request({ method: 'GET', url: '/api/v1/users?limit=100' })).json().items as {
      id: number;
      username: string;
      displayName: string;
      hasPassword: boolean;
    }[];
    const named = users.filter((u) => u.username === 'demo-release-manager');
    expect(named).toEqual([
      expect.objectContaining({ id: first.userId, displayName: 'Demo release manager', hasPassword: false }),
    ]);
    const tokens = await t.request({ method: 'GET', url: `/api/v1/tokens?userId=${first.userId}` });
    expect(tokens.statusCode, tokens.body).toBe(200);
    expect(tokens.json().items).toEqual([]);
  });

  it('takes an existing account as it is: its roles are what the actor carries', async () => {
    const { id } = await t.userWithRoles('demo-cm-lars', ['cab_member']);
    const lars = await demoPerson(t.slipway.ctx, DEMO_PEOPLE.lars);
    expect(lars).toMatchObject({ userId: id, roles: ['cab_member'] });
  });

  it('creates each person once when seeders ask at the same time', async () => {
    const actors = await Promise.all([1, 2, 3].map(() => demoPerson(t.slipway.ctx, DEMO_PEOPLE.librarian)));
    expect(new Set(actors.map((a) => a.userId)).size).toBe(1);
  });
});
