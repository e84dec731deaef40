import { PERMISSIONS, type Permission, ROLES, type Role, rolesAllow } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOpenApi, OpenApiResponseChecker } from './openapi.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { type TestDbKind, testDatabaseKinds } from './test-databases.js';

type JsonObject = Record<string, unknown>;

/**
 * What a resource tells the contract suite: data only, no test code (NetBox's API test cases).
 * Everything else (the roles to try, the expected status for each) is derived from
 * `@slipway/model`'s PERMISSIONS, so a change to the permission table changes the tests.
 */
export interface ResourceContractSpec {
  /** Shown in test names, e.g. "users". */
  resource: string;
  /** The collection, e.g. `/api/v1/users`. */
  listUrl: string;
  /** The URL of one object; defaults to `${listUrl}/${id}`. */
  itemUrl?: (id: number | string) => string;
  /** An id that no object has; defaults to 2147483647. */
  missingId?: number | string;
  /** The permission the routes that read the resource declare. */
  readPermission: Permission;
  /** The permission the routes that create and change the resource declare. */
  writePermission: Permission;
  /** What the create writes to the audit trail. */
  audit: { objectType: string; createAction: string };
  /** A valid create body; `n` makes names unique (it differs on every call). */
  validCreate: (n: number) => JsonObject;
  /** Bodies the create must refuse with 400, each with a label for the test name. */
  invalidCreates: { label: string; body: unknown }[];
  /** A valid change, and the method that applies it to one object. */
  update: { method: 'PATCH' | 'PUT'; body: (n: number) => JsonObject };
  /** The id of a created object, from the create response; defaults to `body.id`. */
  idOf?: (created: JsonObject) => number | string;
  /** Seeds what the resource depends on (runs once per database, after the app starts). */
  setup?: (t: TestApp) => Promise<void>;
  /** App options, e.g. a ManualClock. */
  app?: TestAppOptions;
  /** Database kinds to run on; defaults to every kind this run has. */
  kinds?: TestDbKind[];
}

interface Caller {
  role: Role | 'admin-bootstrap';
  username: string;
  id: number | null;
  token: string;
}

/** Username-safe form of a role name for the per-role test users. */
function contractUsername(role: Role): string {
  return `contract-${role.replace(/_/g, '-')}`;
}

/**
 * Generates the shared API contract tests for one resource: authentication (401), authorisation
 * per role generated from PERMISSIONS (403 or success), validation (400), 404, ETag and
 * If-Match (412), an audit entry naming the actor for every create, idempotent create, cursor
 * pagination, and every response checked against the route's response schema in the served
 * OpenAPI document. Call it at the top level of a `*.test.ts` file.
 */
export function resourceContract(spec: ResourceContractSpec): void {
  const itemUrl = spec.itemUrl ?? ((id: number | string) => `${spec.listUrl}/${id}`);
  const missingId = spec.missingId ?? 2_147_483_647;
  const idOf = spec.idOf ?? ((created: JsonObject) => created.id as number | string);
  const writers = ROLES.filter((role) => rolesAllow([role], spec.writePermission));
  const readers = ROLES.filter((role) => rolesAllow([role], spec.readPermission));
  if (writers.length === 0) throw new Error(`No role grants ${spec.writePermission}: nothing can be tested`);
  if (!(spec.readPermission in PERMISSIONS) || !(spec.writePermission in PERMISSIONS)) {
    throw new Error(`Unknown permission in the ${spec.resource} contract`);
  }
  const primaryWriter = writers[0] as Role;

  describe.each(spec.kinds ?? testDatabaseKinds())(`${spec.resource} API contract on %s`, (kind) => {
    let t: TestApp;
    let checker: OpenApiResponseChecker;
    let counter = 0;
    const callers = new Map<Role, Caller>();
    const next = () => ++counter;

    function caller(role: Role): Caller {
      const found = callers.get(role);
      if (!found) throw new Error(`no test user for role ${role}`);
      return found;
    }

    /**
     * Every request of the suite goes through here, so every response is held to the OpenAPI
     * document: an undocumented status or a body outside the schema fails the test at hand.
     */
    async function call(options: {
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      url: string;
      as: Caller | null;
      body?: unknown;
      headers?: Record<string, string>;
    }): Promise<LightMyRequestResponse> {
      const res = await t.request({
        method: options.method,
        url: options.url,
        token: options.as?.token ?? null,
        body: options.body,
        ...(options.headers && { headers: options.headers }),
      });
      const contentType = res.headers['content-type'];
      const problems = checker.check(
        options.method,
        options.url,
        res.statusCode,
        res.body,
        typeof contentType === 'string' ? contentType : undefined,
      );
      expect(problems, `${options.method} ${options.url} → ${res.statusCode} ${res.body}`).toEqual([]);
      return res;
    }

    async function create(
      as: Caller = caller(primaryWriter),
    ): Promise<{ id: number | string; res: LightMyRequestResponse }> {
      const res = await call({ method: 'POST', url: spec.listUrl, as, body: spec.validCreate(next()) });
      expect(res.statusCode, res.body).toBe(201);
      return { id: idOf(res.json() as JsonObject), res };
    }

    function expectError(res: LightMyRequestResponse, status: number, codes: readonly string[]): void {
      expect(res.statusCode, res.body).toBe(status);
      const body = res.json() as { error?: { code?: string } };
      expect(codes).toContain(body.error?.code);
    }

    beforeAll(async () => {
      t = await createTestApp(kind, spec.app);
      checker = new OpenApiResponseChecker(await fetchOpenApi(t));
      for (const role of ROLES) {
        const username = contractUsername(role);
        const { id, token } = await t.userWithRoles(username, [role]);
        callers.set(role, { role, username, id, token });
      }
      await spec.setup?.(t);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers 401 UNAUTHENTICATED without a token on every operation', async () => {
      const { id } = await create();
      const attempts = [
        { method: 'GET' as const, url: spec.listUrl },
        { method: 'POST' as const, url: spec.listUrl, body: spec.validCreate(next()) },
        { method: 'GET' as const, url: itemUrl(id) },
        { method: spec.update.method, url: itemUrl(id), body: spec.update.body(next()) },
      ];
      for (const attempt of attempts) {
        expectError(await call({ ...attempt, as: null }), 401, ['UNAUTHENTICATED']);
      }
    });

    it.each(ROLES)(`role %s may create and change exactly when it grants ${spec.writePermission}`, async (role) => {
      const as = caller(role);
      const { id } = await create();
      const created = await call({ method: 'POST', url: spec.listUrl, as, body: spec.validCreate(next()) });
      const updated = await call({ method: spec.update.method, url: itemUrl(id), as, body: spec.update.body(next()) });
      if (writers.includes(role)) {
        expect(created.statusCode, created.body).toBe(201);
        expect(updated.statusCode, updated.body).toBe(200);
      } else {
        expectError(created, 403, ['FORBIDDEN']);
        expectError(updated, 403, ['FORBIDDEN']);
      }
    });

    it.each(ROLES)(`role %s may read exactly when it grants ${spec.readPermission}`, async (role) => {
      const as = caller(role);
      const { id } = await create();
      const list = await call({ method: 'GET', url: spec.listUrl, as });
      const one = await call({ method: 'GET', url: itemUrl(id), as });
      if (readers.includes(role)) {
        expect(list.statusCode, list.body).toBe(200);
        expect(one.statusCode, one.body).toBe(200);
      } else {
        expectError(list, 403, ['FORBIDDEN']);
        expectError(one, 403, ['FORBIDDEN']);
      }
    });

    it.each(spec.invalidCreates)('refuses an invalid create with 400 ($label)', async ({ body }) => {
      const res = await call({ method: 'POST', url: spec.listUrl, as: caller(primaryWriter), body });
      expectError(res, 400, ['VALIDATION_FAILED', 'INVALID_INPUT', 'INVALID_JSON']);
    });

    it('answers 404 NOT_FOUND for a missing id on read and change', async () => {
      const as = caller(primaryWriter);
      expectError(await call({ method: 'GET', url: itemUrl(missingId), as }), 404, ['NOT_FOUND']);
      const change = await call({
        method: spec.update.method,
        url: itemUrl(missingId),
        as,
        body: spec.update.body(next()),
      });
      expectError(change, 404, ['NOT_FOUND']);
    });

    it('gives every object a version and an ETag; a stale If-Match gets 412 and changes nothing', async () => {
      const as = caller(primaryWriter);
      const { id, res: createdRes } = await create();
      const created = createdRes.json() as JsonObject;
      expect(created.version).toBe(1);

      const got = await call({ method: 'GET', url: itemUrl(id), as });
      expect(got.statusCode).toBe(200);
      const version = (got.json() as JsonObject).version;
      expect(got.headers.etag).toBe(`"${String(version)}"`);

      const changed = await call({
        method: spec.update.method,
        url: itemUrl(id),
        as,
        body: spec.update.body(next()),
        headers: { 'if-match': `"${String(version)}"` },
      });
      expect(changed.statusCode, changed.body).toBe(200);
      const after = changed.json() as JsonObject;
      expect(after.version).toBe(Number(version) + 1);
      expect(changed.headers.etag).toBe(`"${String(after.version)}"`);

      const stale = await call({
        method: spec.update.method,
        url: itemUrl(id),
        as,
        body: spec.update.body(next()),
        headers: { 'if-match': `"${String(version)}"` },
      });
      expectError(stale, 412, ['PRECONDITION_FAILED']);
      const reread = await call({ method: 'GET', url: itemUrl(id), as });
      expect(reread.json()).toEqual(after);
    });

    it.each(writers)('audits a create by %s with the actor and the request id', async (role) => {
      const as = caller(role);
      const { id, res } = await create(as);
      const audit = await t.request({
        method: 'GET',
        url: `/api/v1/audit?objectType=${encodeURIComponent(spec.audit.objectType)}&objectId=${encodeURIComponent(String(id))}`,
      });
      expect(audit.statusCode, audit.body).toBe(200);
      const entries = (audit.json() as { items: JsonObject[] }).items;
      const entry = entries.find((e) => e.action === spec.audit.createAction);
      expect(entry, `no ${spec.audit.createAction} entry for ${spec.audit.objectType} ${id}`).toBeDefined();
      expect(entry?.actor).toEqual({ id: as.id, name: as.username });
      expect(entry?.requestId).toBe(res.headers['x-request-id']);
      expect(entry?.after).toMatchObject({ id });
    });

    it('replays a create retried with the same Idempotency-Key and creates one object', async () => {
      const as = caller(primaryWriter);
      const body = spec.validCreate(next());
      const key = `contract-${spec.resource}-${next()}`;
      const first = await call({ method: 'POST', url: spec.listUrl, as, body, headers: { 'idempotency-key': key } });
      const again = await call({ method: 'POST', url: spec.listUrl, as, body, headers: { 'idempotency-key': key } });
      expect(first.statusCode, first.body).toBe(201);
      expect(again.statusCode, again.body).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
    });

    it('pages the collection with opaque cursors: every object exactly once', async () => {
      const as = caller(primaryWriter);
      const mine = new Set<string>();
      for (let i = 0; i < 5; i++) mine.add(String((await create()).id));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `${spec.listUrl}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await call({ method: 'GET', url, as });
        expect(page.statusCode, page.body).toBe(200);
        const body = page.json() as { items: JsonObject[]; next: string | null };
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((item) => String(idOf(item))));
        cursor = body.next;
        pages++;
        expect(pages, 'pagination does not end').toBeLessThan(1000);
      } while (cursor);
      expect(new Set(seen).size, 'an object appeared twice').toBe(seen.length);
      for (const id of mine) expect(seen).toContain(id);
      const all = await call({ method: 'GET', url: `${spec.listUrl}?limit=1000`, as });
      expect(seen).toEqual((all.json() as { items: JsonObject[] }).items.map((item) => String(idOf(item))));

      const garbage = await call({ method: 'GET', url: `${spec.listUrl}?cursor=not-a-cursor`, as });
      expectError(garbage, 400, ['INVALID_CURSOR']);
    });
  });
}
