import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Db } from '../database.js';
import { canSee, SEES_ALL, visibilityFor } from '../teams/team-scope.js';
import { CHANGE_SCOPE, objectScope, scopeDeclarationProblem } from './object-scope.js';

describe('team scope declarations', () => {
  it('refuses to register an id-taking change, release or rollout route without its scope', async () => {
    const app = Fastify();
    await app.register(objectScope, { db: {} as Db });
    const handler = async () => ({});
    expect(() => app.get('/api/v1/changes/:id/new-thing', { config: {} }, handler)).toThrow(
      /GET \/api\/v1\/changes\/:id\/new-thing takes a change id in :id but declares no config.scope/,
    );
    expect(() =>
      app.post('/api/v1/rollouts/:id/poke', { config: { scope: { object: 'release', param: 'id' } } }, handler),
    ).toThrow(/takes a rollout id/);
    expect(() =>
      app.get('/api/v1/releases/:id/x', { config: { scope: [{ object: 'release', param: 'releaseId' }] } }, handler),
    ).toThrow(/declares scope param "releaseId", which its path does not have/);
    // Declared, or not an id route: fine.
    app.get('/api/v1/changes/:id/fine', { config: { scope: CHANGE_SCOPE } }, handler);
    app.get('/api/v1/changes/agenda-like', { config: {} }, handler);
    await app.close();
  });

  it('names the problem, or none', () => {
    expect(scopeDeclarationProblem('/api/v1/releases/:id', { object: 'release', param: 'id' })).toBeNull();
    expect(scopeDeclarationProblem('/api/v1/incidents/:id', undefined)).toBeNull();
    expect(
      scopeDeclarationProblem('/api/v1/incidents', { object: 'change', param: 'causedByChangeId', in: 'body' }),
    ).toBeNull();
  });

  it('sees organisation-wide objects always, a team’s only as a member or an oversight role', () => {
    const engineer = visibilityFor(['engineer'], [3]);
    expect(canSee(engineer, null)).toBe(true);
    expect(canSee(engineer, 3)).toBe(true);
    expect(canSee(engineer, 4)).toBe(false);
    expect(canSee(visibilityFor(['admin'], []), 4)).toBe(false);
    for (const role of ['auditor', 'change_manager', 'cab_member'] as const) {
      expect(visibilityFor([role], [])).toEqual(SEES_ALL);
    }
  });
});
