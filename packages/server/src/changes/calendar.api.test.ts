import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ManualClock } from '../platform/clock.js';
import { resolveConfig } from '../platform/config.js';
import { ChangeClient, type ChangeOrg, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../test-support/test-app.js';
import { createTestDatabase, tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

const NOW = '2026-12-01T08:00:00.000Z';

interface IcsComponent {
  name: string;
  props: Map<string, string[]>;
  children: IcsComponent[];
}

/**
 * Parses iCalendar text back as a strict reader would: CRLF only, no physical line over 75
 * octets, folded lines unfolded, BEGIN/END balanced, TEXT values unescaped.
 */
export function parseIcs(text: string): IcsComponent {
  expect(text.endsWith('\r\n')).toBe(true);
  const physical = text.slice(0, -2).split('\r\n');
  for (const line of physical) {
    expect(line.includes('\n') || line.includes('\r'), 'bare line break').toBe(false);
    expect(Buffer.byteLength(line, 'utf8'), `line over 75 octets: ${line}`).toBeLessThanOrEqual(75);
  }
  const logical: string[] = [];
  for (const line of physical) {
    if (line.startsWith(' ') || line.startsWith('\t')) logical[logical.length - 1] += line.slice(1);
    else logical.push(line);
  }
  const root: IcsComponent = { name: '', props: new Map(), children: [] };
  const stack = [root];
  for (const line of logical) {
    const colon = line.indexOf(':');
    expect(colon, `no colon in ${line}`).toBeGreaterThan(0);
    const name = line.slice(0, colon).split(';')[0] as string;
    const value = line.slice(colon + 1);
    const top = stack.at(-1) as IcsComponent;
    if (name === 'BEGIN') {
      const child = { name: value, props: new Map(), children: [] };
      top.children.push(child);
      stack.push(child);
    } else if (name === 'END') {
      expect(top.name).toBe(value);
      stack.pop();
    } else {
      top.props.set(name, [...(top.props.get(name) ?? []), value]);
    }
  }
  expect(stack).toHaveLength(1);
  expect(root.children).toHaveLength(1);
  return root.children[0] as IcsComponent;
}

export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

const prop = (c: IcsComponent, name: string) => c.props.get(name)?.[0];

describe.each(testDatabaseKinds())('change calendar on %s', (kind) => {
  let t: TestApp;
  let org: ChangeOrg;
  let api: ChangeClient;
  let changeId = 0;
  const title = 'Größere Änderung; Router, Firewall \\ Core — 🚀 with a title long enough to need folding twice over';

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: new ManualClock(NOW) });
    org = await setupChangeOrg(t);
    api = new ChangeClient(t);
    const created = await api.create(org.users.rita.token, {
      type: 'normal',
      title,
      description: 'Line one\nLine two, with a comma',
      ciIds: [org.cis.web01],
      ...windowAt(NOW, 48),
      backoutPlan: 'Roll back',
    });
    changeId = created.id;
    expect((await api.act(org.users.rita.token, changeId, 'submit')).statusCode).toBe(200);
    await api.create(org.users.rita.token, {
      type: 'normal',
      title: 'A draft stays off the calendar',
      ciIds: [org.cis.web01],
      ...windowAt(NOW, 50),
    });
    await api.ok(org.users.maria.token, 'POST', '/api/v1/freezes', {
      name: 'Third-Saturday freeze',
      kind: 'soft',
      startsAt: '2026-12-19T00:00:00Z',
      endsAt: '2026-12-20T00:00:00Z',
      rrule: 'FREQ=MONTHLY;BYDAY=3SA',
    });
    await api.ok(org.users.maria.token, 'POST', '/api/v1/maintenance-windows', {
      name: 'Sunday early',
      startsAt: '2026-12-06T02:00:00Z',
      endsAt: '2026-12-06T04:00:00Z',
      rrule: 'FREQ=WEEKLY',
      ciIds: [org.cis.web01],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists changes, freeze occurrences and maintenance windows from every registered source', async () => {
    const calendar = await api.ok<{
      sources: string[];
      events: { uid: string; source: string; objectId: number; start: string; title: string }[];
      conflicts: unknown;
    }>(org.users.carl.token, 'GET', '/api/v1/calendar?from=2026-12-01T00:00:00Z&to=2027-01-31T00:00:00Z');
    expect(calendar.sources).toEqual(['changes', 'freezes', 'maintenance', 'releases', 'rollouts']);
    expect(calendar.events.filter((e) => e.source === 'changes').map((e) => e.objectId)).toEqual([changeId]);
    expect(calendar.events.filter((e) => e.source === 'freezes').map((e) => e.start)).toEqual([
      '2026-12-19T00:00:00.000Z',
      '2027-01-16T00:00:00.000Z',
    ]);
    expect(calendar.events.filter((e) => e.source === 'maintenance')).toHaveLength(8);
    expect(calendar.conflicts).toBeNull();
    const sorted = [...calendar.events].sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
    expect(calendar.events).toEqual(sorted);
    const onlyFreezes = await api.ok<{ events: { source: string }[]; conflicts: { counts: Record<string, number> } }>(
      org.users.carl.token,
      'GET',
      '/api/v1/calendar?from=2026-12-01T00:00:00Z&to=2027-01-31T00:00:00Z&sources=freezes&conflicts=true',
    );
    expect(new Set(onlyFreezes.events.map((e) => e.source))).toEqual(new Set(['freezes']));
    expect(onlyFreezes.conflicts.counts.outside_maintenance_window).toBe(1);
    expect(
      (
        await api.call(
          org.users.carl.token,
          'GET',
          '/api/v1/calendar?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
        )
      ).statusCode,
    ).toBe(400);
  });

  it('serves valid RFC 5545 to a calendar client holding a feed token, and that token opens nothing else', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/calendar/feed-tokens',
      token: org.users.carl.token,
      body: { name: 'Thunderbird' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { token, url, id } = created.json() as { token: string; url: string; id: number };
    expect(token).toMatch(/^slwcal_/);
    expect(url).toBe(`/api/v1/calendar.ics?token=${token}`);
    const listed = await api.ok<{ items: Record<string, unknown>[] }>(
      org.users.carl.token,
      'GET',
      '/api/v1/calendar/feed-tokens',
    );
    expect(JSON.stringify(listed)).not.toContain(token);

    const feed = await t.request({
      method: 'GET',
      url: `${url}&from=2026-12-01T00:00:00Z&to=2027-01-31T00:00:00Z`,
      token: null,
    });
    expect(feed.statusCode, feed.body).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const calendar = parseIcs(feed.body);
    expect(calendar.name).toBe('VCALENDAR');
    expect(prop(calendar, 'VERSION')).toBe('2.0');
    expect(prop(calendar, 'PRODID')).toContain('Slipway');
    const events = calendar.children.filter((c) => c.name === 'VEVENT');
    expect(events).toHaveLength(1 + 2 + 8);
    const uids = events.map((e) => prop(e, 'UID'));
    expect(new Set(uids).size).toBe(uids.length);
    for (const e of events) {
      for (const required of ['UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY'])
        expect(prop(e, required), required).toBeDefined();
      for (const time of ['DTSTAMP', 'DTSTART', 'DTEND']) expect(prop(e, time)).toMatch(/^\d{8}T\d{6}Z$/);
    }
    const change = events.find((e) => prop(e, 'UID') === `change-${changeId}@slipway`) as IcsComponent;
    expect(unescapeText(prop(change, 'SUMMARY') ?? '')).toBe(`#${changeId} ${title}`);
    expect(prop(change, 'DTSTART')).toBe('20261203T080000Z');
    expect(prop(change, 'STATUS')).toBe('TENTATIVE');
    // Stable: the same feed twice is byte-identical (calendar clients diff by UID and SEQUENCE).
    const again = await t.request({
      method: 'GET',
      url: `${url}&from=2026-12-01T00:00:00Z&to=2027-01-31T00:00:00Z`,
      token: null,
    });
    expect(again.body).toBe(feed.body);

    // The feed token is not an API token.
    expect((await t.request({ method: 'GET', url: '/api/v1/changes', token })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/calendar', token })).statusCode).toBe(401);
    // Bearer tokens work on the feed too; nothing at all does not.
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/calendar.ics', token: org.users.rita.token })).statusCode,
    ).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/calendar.ics', token: null })).statusCode).toBe(401);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/calendar.ics?token=slwcal_forged', token: null })).statusCode,
    ).toBe(401);
    // Revoked: refused at once. Someone else's token is invisible (404).
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/calendar/feed-tokens/${id}`, token: org.users.rita.token }))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/calendar/feed-tokens/${id}`, token: org.users.carl.token }))
        .statusCode,
    ).toBe(200);
    expect((await t.request({ method: 'GET', url, token: null })).statusCode).toBe(401);
  });
});

describe('the iCalendar route keeps feed tokens out of the logs', () => {
  it('logs the route without its query string', async () => {
    const kind = testDatabaseKinds()[0] ?? 'sqlite';
    const testDb = await createTestDatabase(kind);
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = resolveConfig({ db: testDb.url, dataDir: tempDir(), port: 0 }, { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN });
    const slipway = await buildApp(config, { logger: { level: 'info', stream } });
    try {
      const created = await slipway.app.inject({
        method: 'POST',
        url: '/api/v1/calendar/feed-tokens',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'logs' }),
      });
      const { token } = created.json() as { token: string };
      const feed = await slipway.app.inject({ method: 'GET', url: `/api/v1/calendar.ics?token=${token}` });
      expect(feed.statusCode).toBe(200);
      const refused = await slipway.app.inject({ method: 'GET', url: `/api/v1/calendar.ics?token=${token}x` });
      expect(refused.statusCode).toBe(401);
      const logs = lines.join('');
      expect(logs).toContain('/api/v1/calendar.ics?[redacted]');
      expect(logs).not.toContain(token);
      expect(logs).not.toContain(token.slice(7, 30));
    } finally {
      await slipway.close();
      await testDb.cleanup();
    }
  });
});
