import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

describe.each(testDatabaseKinds())('hardware store on %s', (kind) => {
  let t: TestApp;
  let keeper: string;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${++n}`;
  const post = (url: string, body?: unknown, token = keeper) =>
    t.request({ method: 'POST', url, token, ...(body !== undefined && { body }) });
  const get = (url: string, token = keeper) => t.request({ method: 'GET', url, token });

  let siteCiId: number;

  beforeAll(async () => {
    t = await createTestApp(kind);
    keeper = (await t.userWithRoles('keeper', ['engineer'])).token;
    const siteCi = await post('/api/v1/cis', {
      class: 'site',
      name: 'Rotterdam Head Office',
      attributes: { code: 'RTM', city: 'Rotterdam' },
    });
    siteCiId = siteCi.json().id;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function setup(threshold = 0) {
    const model = (
      await post('/api/v1/hardware/models', {
        name: unique('Latitude'),
        manufacturer: 'Dell',
        ciClass: 'desktop',
        lowStockThreshold: threshold,
      })
    ).json();
    const a = (await post('/api/v1/hardware/sites', { code: unique('A'), name: unique('Site A') })).json();
    const b = (await post('/api/v1/hardware/sites', { code: unique('B'), name: unique('Site B') })).json();
    const receive = async (siteId: number, count: number) => {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const res = await post('/api/v1/hardware/items', {
          modelId: model.id,
          siteId,
          serial: unique('SN'),
          warrantyEnd: '2030-01-31',
        });
        expect(res.statusCode, res.body).toBe(201);
        ids.push(res.json().id);
      }
      return ids;
    };
    return { model, a, b, receive };
  }

  it('links a new site to the CMDB site CI with the same code', async () => {
    const site = await post('/api/v1/hardware/sites', { code: 'RTM', name: 'Rotterdam' });
    expect(site.statusCode, site.body).toBe(201);
    expect(site.json().ciId).toBe(siteCiId);
    const again = await post('/api/v1/hardware/sites', { code: 'RTM', name: 'Rotterdam 2' });
    expect(again.statusCode).toBe(409);
    const wrongCi = await post('/api/v1/hardware/sites', { code: unique('X'), name: 'x', ciId: 999_999 });
    expect(wrongCi.statusCode).toBe(400);
  });

  it('receives items (serial unique), moves and retires them, and reports stock with low-stock flags', async () => {
    const { model, a, b, receive } = await setup(3);
    const [first, second] = await receive(a.id, 2);
    const dup = await post('/api/v1/hardware/items', {
      modelId: model.id,
      siteId: a.id,
      serial: (await get(`/api/v1/hardware/items/${first}`)).json().serial,
    });
    expect(dup.statusCode).toBe(409);

    const moved = await post(`/api/v1/hardware/items/${second}/move`, { siteId: b.id });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().siteId).toBe(b.id);

    const stock = (await get(`/api/v1/hardware/stock?modelId=${model.id}`)).json();
    expect(stock.byModel).toEqual([
      expect.objectContaining({ modelId: model.id, inStock: 2, threshold: 3, low: true }),
    ]);
    expect(stock.bySite).toEqual([
      expect.objectContaining({ siteId: a.id, inStock: 1, low: true }),
      expect.objectContaining({ siteId: b.id, inStock: 1, low: true }),
    ]);
    await receive(a.id, 3);
    const enough = (await get(`/api/v1/hardware/stock?modelId=${model.id}`)).json();
    expect(enough.byModel[0]).toMatchObject({ inStock: 5, low: false });
    const lowOnly = (await get(`/api/v1/hardware/stock?modelId=${model.id}&low=true`)).json();
    expect(lowOnly.bySite.map((l: { siteId: number }) => l.siteId)).toEqual([b.id]);

    const retired = await post(`/api/v1/hardware/items/${first}/retire`, { reason: 'dropped' });
    expect(retired.json()).toMatchObject({ state: 'retired', notes: 'dropped' });
    const again = await post(`/api/v1/hardware/items/${first}/retire`);
    expect(again.statusCode).toBe(422);
    expect(again.json().error.code).toBe('ILLEGAL_TRANSITION');
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?objectType=hardware_item&limit=1000' }))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(
      expect.arrayContaining([
        'hardware.item.receive',
        'hardware.item.move',
        'hardware.item.retire',
        'hardware.item.retire.refused',
      ]),
    );
  });

  it('reserves stock for a release, answers 409 naming every shortage, and returns stock on release', async () => {
    const { model, a, b, receive } = await setup();
    await receive(a.id, 3);
    await receive(b.id, 1);
    const short = await post('/api/v1/hardware/reservations', {
      releaseId: 42,
      lines: [
        { modelId: model.id, siteId: a.id, quantity: 2 },
        { modelId: model.id, siteId: b.id, quantity: 3 },
      ],
    });
    expect(short.statusCode).toBe(409);
    expect(short.json().error.details.shortages).toEqual([
      expect.objectContaining({ modelId: model.id, siteId: b.id, requested: 3, available: 1, short: 2 }),
    ]);
    expect(short.json().error.message).toMatch(/3 requested, 1 available \(2 short\)/);
    // All or nothing: the satisfiable line took nothing either.
    expect((await get(`/api/v1/hardware/stock?modelId=${model.id}`)).json().byModel[0]).toMatchObject({
      inStock: 4,
      reserved: 0,
    });

    const ok = await post('/api/v1/hardware/reservations', {
      releaseId: 42,
      lines: [{ modelId: model.id, siteId: a.id, quantity: 2 }],
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      releaseId: 42,
      state: 'active',
      lines: [{ modelId: model.id, siteId: a.id, quantity: 2 }],
    });
    expect(ok.json().itemIds).toHaveLength(2);
    expect((await get(`/api/v1/hardware/stock?modelId=${model.id}`)).json().byModel[0]).toMatchObject({
      inStock: 2,
      reserved: 2,
    });
    const reservedItem = (await get(`/api/v1/hardware/items/${ok.json().itemIds[0]}`)).json();
    expect(reservedItem).toMatchObject({ state: 'reserved', reservationId: ok.json().id });
    const cannotMove = await post(`/api/v1/hardware/items/${reservedItem.id}/move`, { siteId: b.id });
    expect(cannotMove.statusCode).toBe(422);

    const byRelease = (await get('/api/v1/hardware/reservations?releaseId=42')).json();
    expect(byRelease.items.map((r: { id: number }) => r.id)).toEqual([ok.json().id]);

    const released = await post(`/api/v1/hardware/reservations/${ok.json().id}/release`);
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json()).toMatchObject({ state: 'released', itemIds: [] });
    expect((await get(`/api/v1/hardware/stock?modelId=${model.id}`)).json().byModel[0]).toMatchObject({
      inStock: 4,
      reserved: 0,
    });
    expect((await post(`/api/v1/hardware/reservations/${ok.json().id}/release`)).statusCode).toBe(422);
  });

  it('lets exactly one of two reservations racing for the last item win', async () => {
    for (let round = 0; round < 5; round++) {
      const { model, a, receive } = await setup();
      await receive(a.id, 1);
      const body = { releaseId: 7, lines: [{ modelId: model.id, siteId: a.id, quantity: 1 }] };
      const answers = await Promise.all([
        post('/api/v1/hardware/reservations', body),
        post('/api/v1/hardware/reservations', body),
        post('/api/v1/hardware/reservations', body),
      ]);
      const statuses = answers.map((r) => r.statusCode).sort();
      expect(statuses, answers.map((r) => r.body).join('\n')).toEqual([201, 409, 409]);
      expect((await get(`/api/v1/hardware/stock?modelId=${model.id}`)).json().byModel[0]).toMatchObject({
        inStock: 0,
        reserved: 1,
      });
    }
  });

  it('deploys an item into the CMDB as a CI of the model class, located_in its site', async () => {
    const model = (await post('/api/v1/hardware/models', { name: unique('OptiPlex'), ciClass: 'desktop' })).json();
    const site = (
      await post('/api/v1/hardware/sites', { code: unique('D'), name: unique('Depot'), ciId: siteCiId })
    ).json();
    const item = (
      await post('/api/v1/hardware/items', { modelId: model.id, siteId: site.id, serial: unique('DEP') })
    ).json();
    const reservation = (
      await post('/api/v1/hardware/reservations', {
        releaseId: 9,
        lines: [{ modelId: model.id, siteId: site.id, quantity: 1 }],
      })
    ).json();
    expect(reservation.itemIds).toEqual([item.id]);
    const deployed = await post(`/api/v1/hardware/items/${item.id}/deploy`, {
      ciName: `RTM-DT-${n}`,
      environment: 'production',
    });
    expect(deployed.statusCode, deployed.body).toBe(200);
    expect(deployed.json()).toMatchObject({ state: 'deployed' });
    const ci = (await get(`/api/v1/cis/${deployed.json().ciId}`)).json();
    expect(ci).toMatchObject({
      class: 'desktop',
      name: `RTM-DT-${n}`,
      environment: 'production',
      attributes: { serial: item.serial, model: model.name },
    });
    const rels = (await get(`/api/v1/relationships?sourceId=${ci.id}`)).json().items;
    expect(rels).toEqual([expect.objectContaining({ type: 'located_in', targetId: siteCiId })]);
    expect((await get(`/api/v1/hardware/reservations/${reservation.id}`)).json().state).toBe('fulfilled');
    const twice = await post(`/api/v1/hardware/items/${item.id}/deploy`, { ciName: 'another' });
    expect(twice.statusCode).toBe(422);

    const unlinked = (await post('/api/v1/hardware/sites', { code: unique('U'), name: unique('Unlinked') })).json();
    const orphan = (
      await post('/api/v1/hardware/items', { modelId: model.id, siteId: unlinked.id, serial: unique('ORP') })
    ).json();
    const refused = await post(`/api/v1/hardware/items/${orphan.id}/deploy`, { ciName: 'nowhere' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.message).toMatch(/not linked to a CMDB site CI/);
  });

  it('links a model to a CMDB hardware_model CI and takes its class from the category', async () => {
    const ci = (
      await post('/api/v1/cis', {
        class: 'hardware_model',
        name: unique('ThinkPad T14'),
        attributes: { manufacturer: 'Lenovo', category: 'laptop' },
      })
    ).json();
    const model = await post('/api/v1/hardware/models', { name: unique('T14'), ciId: ci.id, lowStockThreshold: 5 });
    expect(model.statusCode, model.body).toBe(201);
    expect(model.json()).toMatchObject({ ciClass: 'desktop', ciId: ci.id });
    const notAModel = await post('/api/v1/hardware/models', { name: unique('bad'), ciId: siteCiId });
    expect(notAModel.statusCode).toBe(400);
    const noClass = await post('/api/v1/hardware/models', { name: unique('bad') });
    expect(noClass.statusCode).toBe(400);
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/hardware/models/${model.json().id}`,
      token: keeper,
      body: { lowStockThreshold: 2 },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.json()).toMatchObject({ lowStockThreshold: 2, version: 2 });
  });
});
