import type { Role } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/**
 * A small organisation for change-management tests: users in every change role and a CMDB slice
 * where online-banking (owned by olivia) depends on banking-app, which runs on web-01 and
 * depends on db-01; openssl is installed on web-01; a second service (payroll) on its own stack.
 */
export interface ChangeOrg {
  users: Record<'rita' | 'ivan' | 'carl' | 'cora' | 'olivia' | 'maria' | 'ed', { id: number; token: string }>;
  cis: Record<
    'onlineBanking' | 'bankingApp' | 'web01' | 'db01' | 'openssl' | 'payroll' | 'payrollApp' | 'app02' | 'testServer',
    number
  >;
}

const USERS: [keyof ChangeOrg['users'], Role[]][] = [
  ['rita', ['engineer']],
  ['ivan', ['engineer']],
  ['carl', ['cab_member']],
  ['cora', ['cab_member']],
  ['olivia', ['cab_member']],
  ['maria', ['change_manager']],
  ['ed', ['engineer']],
];

export async function setupChangeOrg(t: TestApp, prefix = ''): Promise<ChangeOrg> {
  const users = {} as ChangeOrg['users'];
  for (const [name, roles] of USERS) users[name] = await t.userWithRoles(`${prefix}${name}`, roles);
  const ci = async (body: Record<string, unknown>) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/cis',
      body: { ...body, name: `${prefix}${String(body.name)}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const cis: ChangeOrg['cis'] = {
    onlineBanking: await ci({
      class: 'service',
      name: 'online-banking',
      owner: `${prefix}olivia`,
      criticality: 'critical',
      environment: 'production',
    }),
    bankingApp: await ci({ class: 'application', name: 'banking-app', environment: 'production', criticality: 'high' }),
    web01: await ci({ class: 'server', name: 'web-01', environment: 'production' }),
    db01: await ci({ class: 'database', name: 'db-01', environment: 'production' }),
    openssl: await ci({ class: 'software', name: 'openssl', environment: 'production' }),
    payroll: await ci({
      class: 'service',
      name: 'payroll',
      owner: 'nobody-here',
      criticality: 'medium',
      environment: 'production',
    }),
    payrollApp: await ci({ class: 'application', name: 'payroll-app', environment: 'production' }),
    app02: await ci({ class: 'server', name: 'app-02', environment: 'production' }),
    testServer: await ci({ class: 'server', name: 'test-01', environment: 'test', criticality: 'low' }),
  };
  const rel = async (sourceId: number, type: string, targetId: number) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/relationships', body: { sourceId, type, targetId } });
    expect(res.statusCode, res.body).toBe(201);
  };
  await rel(cis.onlineBanking, 'depends_on', cis.bankingApp);
  await rel(cis.bankingApp, 'runs_on', cis.web01);
  await rel(cis.bankingApp, 'depends_on', cis.db01);
  await rel(cis.openssl, 'installed_on', cis.web01);
  await rel(cis.payroll, 'depends_on', cis.payrollApp);
  await rel(cis.payrollApp, 'runs_on', cis.app02);
  return { users, cis };
}

export type ChangeBody = Record<string, unknown>;

/** Requests against the change API as a given user, failing the test on an unexpected status. */
export class ChangeClient {
  constructor(private readonly t: TestApp) {}

  async call(
    token: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse> {
    return this.t.request({ method, url, token, ...(body !== undefined && { body }), ...(headers && { headers }) });
  }

  async ok<T = Record<string, unknown>>(
    token: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const res = await this.call(token, method, url, body, headers);
    expect(res.statusCode, `${method} ${url} → ${res.body}`).toBeLessThan(300);
    return (res.statusCode === 204 ? {} : res.json()) as T;
  }

  async create(token: string, body: ChangeBody): Promise<{ id: number; version: number } & Record<string, unknown>> {
    const res = await this.call(token, 'POST', '/api/v1/changes', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async act(token: string, id: number, action: string, body?: unknown): Promise<LightMyRequestResponse> {
    return this.call(token, 'POST', `/api/v1/changes/${id}/${action}`, body ?? {});
  }

  async get(token: string, id: number): Promise<Record<string, unknown> & { version: number; state: string }> {
    return this.ok(token, 'GET', `/api/v1/changes/${id}`);
  }
}

/** A window `startHours` from `base` lasting `hours`. */
export function windowAt(base: string, startHours: number, hours = 2): { plannedStart: string; plannedEnd: string } {
  const start = Date.parse(base) + startHours * 3_600_000;
  return {
    plannedStart: new Date(start).toISOString(),
    plannedEnd: new Date(start + hours * 3_600_000).toISOString(),
  };
}

export function expectError(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json() as { error: { code: string; details?: Record<string, unknown>; message: string } };
  expect(body.error.code, res.body).toBe(code);
  return { message: body.error.message, ...(body.error.details ?? {}) };
}
