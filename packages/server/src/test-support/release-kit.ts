import type { Role } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/**
 * A small organisation for release-management tests (only *.test.ts files import this).
 *
 * People: rita (release manager, requests releases), ivan (engineer, implements and tests), carl
 * and cora (CAB), maria (change manager), ted (engineer: the CI pipeline's token), rex (release
 * manager and CAB member at once: the segregation-of-duties case), audrey (auditor).
 *
 * CMDB: online-banking (service) depends_on banking-app, which runs_on web-01 (Ubuntu 22.04,
 * openssl 3.0.13 installed) and depends_on db-01 (PostgreSQL 15.6); two desktops on Windows 10.0
 * and one on Windows 8.1, with Zoom 5.12.9 installed on all three.
 */
export interface ReleaseOrg {
  users: Record<'rita' | 'ivan' | 'carl' | 'cora' | 'maria' | 'ted' | 'rex' | 'audrey', { id: number; token: string }>;
  cis: Record<
    'onlineBanking' | 'bankingApp' | 'web01' | 'db01' | 'openssl' | 'zoomOld' | 'dt1' | 'dt2' | 'dtOld',
    number
  >;
}

const USERS: [keyof ReleaseOrg['users'], Role[]][] = [
  ['rita', ['release_manager']],
  ['ivan', ['engineer']],
  ['carl', ['cab_member']],
  ['cora', ['cab_member']],
  ['maria', ['change_manager']],
  ['ted', ['engineer']],
  ['rex', ['release_manager', 'cab_member']],
  ['audrey', ['auditor']],
];

export type Json = Record<string, unknown>;

export async function setupReleaseOrg(t: TestApp, prefix = ''): Promise<ReleaseOrg> {
  const users = {} as ReleaseOrg['users'];
  for (const [name, roles] of USERS) users[name] = await t.userWithRoles(`${prefix}${name}`, roles);
  const ci = async (body: Json) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/cis',
      body: { ...body, name: `${prefix}${String(body.name)}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const cis: ReleaseOrg['cis'] = {
    onlineBanking: await ci({
      class: 'service',
      name: 'online-banking',
      environment: 'production',
      criticality: 'low',
    }),
    bankingApp: await ci({
      class: 'application',
      name: 'banking-app',
      environment: 'production',
      attributes: { version: '4.1.0' },
    }),
    web01: await ci({
      class: 'server',
      name: 'web-01',
      environment: 'production',
      attributes: { os: 'Ubuntu', os_version: '22.04', site: 'AMS' },
    }),
    db01: await ci({
      class: 'database',
      name: 'db-01',
      environment: 'production',
      attributes: { engine: 'PostgreSQL', engine_version: '15.6' },
    }),
    openssl: await ci({
      class: 'software',
      name: 'openssl 3.0.13',
      attributes: { product: 'openssl', version: '3.0.13' },
    }),
    zoomOld: await ci({ class: 'software', name: 'Zoom 5.12.9', attributes: { product: 'Zoom', version: '5.12.9' } }),
    dt1: await ci({
      class: 'desktop',
      name: 'RTM-DT0001',
      environment: 'production',
      attributes: { os: 'Windows', os_version: '10.0.19045', site: 'RTM' },
    }),
    dt2: await ci({
      class: 'desktop',
      name: 'RTM-DT0002',
      environment: 'production',
      attributes: { os: 'Windows', os_version: '10.0.19045', site: 'RTM' },
    }),
    dtOld: await ci({
      class: 'desktop',
      name: 'HAM-DT0003',
      environment: 'production',
      attributes: { os: 'Windows', os_version: '8.1', site: 'HAM' },
    }),
  };
  const rel = async (sourceId: number, type: string, targetId: number) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/relationships', body: { sourceId, type, targetId } });
    expect(res.statusCode, res.body).toBe(201);
  };
  await rel(cis.onlineBanking, 'depends_on', cis.bankingApp);
  await rel(cis.bankingApp, 'runs_on', cis.web01);
  await rel(cis.bankingApp, 'depends_on', cis.db01);
  await rel(cis.openssl, 'installed_on', cis.web01);
  for (const desktop of [cis.dt1, cis.dt2, cis.dtOld]) await rel(cis.zoomOld, 'installed_on', desktop);
  return { users, cis };
}

/** Requests as a given user, failing the test on an unexpected status. */
export class ReleaseClient {
  constructor(private readonly t: TestApp) {}

  call(
    token: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse> {
    return this.t.request({ method, url, token, ...(body !== undefined && { body }), ...(headers && { headers }) });
  }

  async ok<T = Json>(
    token: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<T> {
    const res = await this.call(token, method, url, body);
    expect(res.statusCode, `${method} ${url} → ${res.body}`).toBeLessThan(300);
    // 204 No Content (a DELETE) has no body to parse.
    return (res.body === '' ? undefined : res.json()) as T;
  }

  /** An approved library artifact (pushed by the admin, approved by maria: never one's own upload). */
  async artifact(
    approver: string,
    meta: { name: string; artifactVersion: string; license?: string; requires?: Json[]; conflicts?: Json[] },
    approve = true,
  ): Promise<number> {
    const pushed = await this.ok(this.t.adminToken, 'POST', '/api/v1/artifacts', {
      name: meta.name,
      artifactVersion: meta.artifactVersion,
      license: meta.license ?? 'MIT',
      ...(meta.requires && { requires: meta.requires }),
      ...(meta.conflicts && { conflicts: meta.conflicts }),
      content: Buffer.from(`${meta.name} ${meta.artifactVersion} ${Math.random()}`).toString('base64'),
    });
    const id = pushed.id as number;
    if (approve) await this.ok(approver, 'POST', `/api/v1/artifacts/${id}/approve`, {});
    return id;
  }

  async create(token: string, body: Json): Promise<Json & { id: number; version: number; state: string }> {
    const res = await this.call(token, 'POST', '/api/v1/releases', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  get(token: string, id: number): Promise<Json & { id: number; version: number; state: string }> {
    return this.ok(token, 'GET', `/api/v1/releases/${id}`);
  }

  move(token: string, id: number, to: string, extra: Json = {}): Promise<LightMyRequestResponse> {
    return this.call(token, 'POST', `/api/v1/releases/${id}/transitions`, { to, ...extra });
  }

  /** Fills every plan section with an owner and content. */
  async fillPlan(token: string, id: number, sections: readonly string[]): Promise<void> {
    for (const section of sections) {
      await this.ok(token, 'PATCH', `/api/v1/releases/${id}/plan/${section}`, {
        owner: 'rita',
        status: 'done',
        content: `The ${section.replace(/_/g, ' ')} of release ${id}.`,
      });
    }
  }

  /** Records a passed result for every test the release requires in `environment`. */
  async passTests(token: string, id: number, environment: string): Promise<void> {
    const release = await this.get(token, id);
    const required = (release.requiredTests as Record<string, string[]>)[environment] ?? [];
    for (const protocol of required) {
      const res = await this.call(token, 'POST', `/api/v1/releases/${id}/tests`, {
        environment,
        protocol,
        outcome: 'passed',
        summary: `${protocol} passed`,
        evidence: { text: 'All green' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  }

  promote(token: string, id: number, environment: string): Promise<LightMyRequestResponse> {
    return this.call(token, 'POST', `/api/v1/releases/${id}/promotions`, { environment });
  }
}

/** The error body of a response with the expected status and code. */
export function errorOf(
  res: LightMyRequestResponse,
  status: number,
  code: string,
): { message: string; details: Json & { violations?: { id: string; message: string }[]; allowed?: string[] } } {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json() as { error: { code: string; message: string; details?: Json } };
  expect(body.error.code, res.body).toBe(code);
  return { message: body.error.message, details: (body.error.details ?? {}) as never };
}

/** The rule ids of a 422 POLICY_VIOLATION, sorted and de-duplicated. */
export function ruleIds(res: LightMyRequestResponse): string[] {
  const { details } = errorOf(res, 422, 'POLICY_VIOLATION');
  return [...new Set((details.violations ?? []).map((v) => v.id))].sort();
}

/** A window `startDays` from `base`, `hours` long. */
export function windowIn(base: string, startDays: number, hours = 4): { plannedStart: string; plannedEnd: string } {
  const start = Date.parse(base) + startDays * 86_400_000;
  return { plannedStart: new Date(start).toISOString(), plannedEnd: new Date(start + hours * 3_600_000).toISOString() };
}
