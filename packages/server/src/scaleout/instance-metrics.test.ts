import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

describe.each(testDatabaseKinds())('instance metrics on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('reports the instance, its index lag and the job queue', async () => {
    const lib = (
      await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: 'software', name: 'm-lib' } })
    ).json();
    const app = (
      await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: 'application', name: 'm-app' } })
    ).json();
    const rel = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: app.id, type: 'depends_on', targetId: lib.id },
    });
    expect(rel.statusCode).toBe(201);
    await t.slipway.ctx.jobs.enqueue(
      t.slipway.ctx.database.db,
      'webhook.deliver',
      { deliveryId: 999_999 },
      {
        runAt: '2999-01-01T00:00:00.000Z',
      },
    );

    const text = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(`slipway_instance_info{worker_id="${t.slipway.ctx.jobs.workerId}",version="`);
    // This instance applied its own write right after the commit.
    expect(text).toMatch(/^slipway_graph_index_lag_entries 0$/m);
    expect(text).toMatch(/^slipway_change_index_lag_entries 0$/m);
    expect(text).toMatch(/^slipway_jobs\{kind="webhook.deliver",state="pending"\} 1$/m);
    expect(text).toContain('# TYPE slipway_jobs_running_here gauge');
    expect(text).toMatch(/^slipway_instances_live 1$/m);

    // A write the index has not applied yet (as if another instance made it) shows as lag.
    t.slipway.ctx.cmdb.impact.stop();
    await t.slipway.ctx.database.db
      .insertInto('graph_changes')
      .values({ op: 'add', source_id: app.id, type: 'runs_on', target_id: lib.id, at: new Date().toISOString() })
      .execute();
    const lagging = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(lagging).toMatch(/^slipway_graph_index_lag_entries [1-9]\d*$/m);
  });
});
