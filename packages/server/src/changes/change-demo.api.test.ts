import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';

/** The demo organisation comes with a change calendar a CAB can start working on. */
describe('change management demo', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { env: { SLIPWAY_DEMO: '1' } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('seeds freezes, a maintenance window, templates and changes at different stages', async () => {
    const get = async (url: string) => {
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const freezes = await get('/api/v1/freezes');
    expect(freezes.items.map((f: { name: string; kind: string }) => `${f.kind}:${f.name}`).sort()).toEqual([
      'hard:Year-end freeze',
      'soft:Third-Saturday release weekend',
    ]);
    expect((await get('/api/v1/maintenance-windows')).items).toHaveLength(1);
    expect((await get('/api/v1/change-templates')).items).toHaveLength(2);
    const changes = await get('/api/v1/changes');
    expect(changes.items.length).toBeGreaterThanOrEqual(2);
    const calendar = await get('/api/v1/calendar');
    expect(calendar.events.some((e: { source: string }) => e.source === 'freezes')).toBe(true);
  });
});
