import type { Role } from '@slipway/model';
import { sql } from 'kysely';
import type { TestApp } from '../../test-support/test-app.js';

/**
 * Seed data and the data-change oracle of the hostile-input suite (fuzz.test.ts).
 */

export interface FuzzPrincipal {
  name: string;
  token: string | null;
}

/** The principals the fuzzer acts as: the bootstrap admin, one user per other role, and nobody. */
export async function fuzzPrincipals(t: TestApp): Promise<FuzzPrincipal[]> {
  const roles: Role[] = ['release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'];
  const principals: FuzzPrincipal[] = [{ name: 'admin', token: t.adminToken }];
  for (const role of roles)
    principals.push({ name: role, token: (await t.userWithRoles(`fuzz-${role}`, [role])).token });
  principals.push({ name: 'anonymous', token: null });
  return principals;
}

/**
 * Real objects for the path parameters, keyed by the collection path before the parameter
 * (`/api/v1/cis` for `/api/v1/cis/{id}`), so a fuzzed write reaches the service and its rules
 * instead of stopping at 404. Users and tokens are decoys: the fuzzer must never disable or
 * revoke the principals it acts as, or every later request would only test 401.
 */
export async function seedFuzzObjects(t: TestApp): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  const add = (key: string, id: unknown) => {
    if (id === undefined || id === null) return;
    ids.set(key, [...(ids.get(key) ?? []), String(id)]);
  };
  const post = async (url: string, body: unknown): Promise<Record<string, unknown> | undefined> => {
    const res = await t.request({ method: 'POST', url, body });
    return res.statusCode < 300 ? (res.json() as Record<string, unknown>) : undefined;
  };
  const now = Date.parse('2027-03-01T10:00:00.000Z');
  const at = (hours: number) => new Date(now + hours * 3_600_000).toISOString();

  const cis: number[] = [];
  for (const [cls, name] of [
    ['service', 'fuzz-svc'],
    ['application', 'fuzz-app'],
    ['server', 'fuzz-srv-1'],
    ['server', 'fuzz-srv-2'],
    ['software', 'fuzz-lib'],
  ] as const) {
    const ci = await post('/api/v1/cis', { class: cls, name, environment: 'production' });
    if (ci) cis.push(ci.id as number);
    add('/api/v1/cis', ci?.id);
  }
  add('/api/v1/ci-classes', 'server');
  add('/api/v1/ci-classes', 'service');
  const rel = await post('/api/v1/relationships', { sourceId: cis[1], type: 'runs_on', targetId: cis[2] });
  add('/api/v1/relationships', rel?.id);
  const baseline = await post('/api/v1/baselines', { name: 'fuzz-baseline' });
  add('/api/v1/baselines', baseline?.id);

  for (const name of ['decoy-1', 'decoy-2']) {
    const user = await post('/api/v1/users', { username: `fuzz-${name}`, roles: ['engineer'] });
    add('/api/v1/users', user?.id);
    const token = await post('/api/v1/tokens', { name, userId: user?.id });
    add('/api/v1/tokens', token?.id);
  }
  const feed = await post('/api/v1/calendar/feed-tokens', { name: 'fuzz-feed' });
  add('/api/v1/calendar/feed-tokens', feed?.id);

  const site = await post('/api/v1/hardware/sites', { code: 'FZ1', name: 'Fuzz site' });
  add('/api/v1/hardware/sites', site?.id);
  const model = await post('/api/v1/hardware/models', { name: 'Fuzz model' });
  add('/api/v1/hardware/models', model?.id);
  const item = await post('/api/v1/hardware/items', { modelId: model?.id, siteId: site?.id, serial: 'FZ-0001' });
  add('/api/v1/hardware/items', item?.id);

  const freeze = await post('/api/v1/freezes', {
    name: 'fuzz freeze',
    kind: 'soft',
    startsAt: at(500),
    endsAt: at(510),
  });
  add('/api/v1/freezes', freeze?.id);
  const window = await post('/api/v1/maintenance-windows', { name: 'fuzz window', startsAt: at(24), endsAt: at(30) });
  add('/api/v1/maintenance-windows', window?.id);
  const template = await post('/api/v1/change-templates', {
    name: 'fuzz template',
    allowedCiClasses: ['server'],
    maxImpactedCis: 10,
    maxDurationMinutes: 120,
  });
  add('/api/v1/change-templates', template?.id);
  const change = await post('/api/v1/changes', {
    type: 'normal',
    title: 'Fuzz change',
    ciIds: [cis[2]],
    plannedStart: at(48),
    plannedEnd: at(50),
    backoutPlan: 'Restore the snapshot',
  });
  add('/api/v1/changes', change?.id);
  const release = await post('/api/v1/releases', { type: 'minor', releaseVersion: '1.0.0', title: 'Fuzz release' });
  add('/api/v1/releases', release?.id);

  const allow = await post('/api/v1/webhooks/allow-list', { pattern: 'hooks.fuzz.test' });
  add('/api/v1/webhooks/allow-list', allow?.id);
  const hook = await post('/api/v1/webhooks', {
    name: 'fuzz hook',
    url: 'https://hooks.fuzz.test/slipway',
    events: ['change.*'],
  });
  add('/api/v1/webhooks', hook?.id);
  add('/api/v1/policy/versions', 1);
  return ids;
}

/**
 * Tables that legitimately change when a request is refused or in the background: the audit
 * trail (refusals are audited; checked separately by request id), login throttling, sessions,
 * idempotency records, and background work (jobs, webhook deliveries, library tasks).
 */
const VOLATILE_TABLES = new Set([
  'audit_log',
  'audit_head',
  'login_attempts',
  'sessions',
  'idempotency_keys',
  'jobs',
  'webhook_deliveries',
  'webhook_delivery_attempts',
  'library_tasks',
  'kysely_migration',
  'kysely_migration_lock',
]);

/**
 * One query that fingerprints the business data: row count of every table, plus the sum of
 * `version` and the latest `updated_at` where a table has them (so in-place updates show too).
 */
export async function dataFingerprint(t: TestApp): Promise<() => Promise<string>> {
  const db = t.slipway.ctx.database.db;
  const tables = (await db.introspection.getTables()).filter((table) => !VOLATILE_TABLES.has(table.name));
  const parts: string[] = [];
  for (const table of tables) {
    // Names come from the database's own catalogue, never from input.
    const name = `"${table.name}"`;
    parts.push(`(select count(*) from ${name})`);
    const columns = new Map(table.columns.map((c) => [c.name, c.dataType]));
    // Only the object version counter (an integer); some tables have a text `version` (a release's).
    if (/int/i.test(columns.get('version') ?? '')) parts.push(`(select coalesce(sum(version), 0) from ${name})`);
    if (columns.has('updated_at')) parts.push(`(select max(updated_at) from ${name})`);
  }
  const query = sql.raw(`select ${parts.map((p, i) => `${p} as c${i}`).join(', ')}`);
  return async () => {
    const { rows } = await query.execute(db);
    return JSON.stringify(Object.values(rows[0] as Record<string, unknown>).map(String));
  };
}
