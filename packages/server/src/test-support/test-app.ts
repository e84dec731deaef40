import fs from 'node:fs';
import type { Role } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type SlipwayApp } from '../app.js';
import { systemActor } from '../platform/actor.js';
import type { Clock } from '../platform/clock.js';
import { resolveConfig, type SlipwayConfig } from '../platform/config.js';
import { createTestDatabase, type TestDatabase, type TestDbKind, tempDir } from './test-databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  slipway: SlipwayApp;
  testDb: TestDatabase;
  dataDir: string;
  config: SlipwayConfig;
  /** The bootstrap admin's token. */
  adminToken: string;
  /** Creates a token-only user with the given roles and returns their API token. */
  userWithRoles(username: string, roles: Role[]): Promise<{ id: number; token: string }>;
  /** `app.inject` with a bearer token and JSON body. */
  request(options: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    token?: string | null;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  clock?: Clock;
  env?: Record<string, string>;
}

/** A whole Slipway (every route, real database of the given kind) for API tests via `inject`. */
export async function createTestApp(kind: TestDbKind, options: TestAppOptions = {}): Promise<TestApp> {
  const testDb = await createTestDatabase(kind);
  const dataDir = tempDir('slipway-data-');
  const config = resolveConfig(
    { db: testDb.url, dataDir, port: 0, host: '127.0.0.1' },
    { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env },
  );
  const slipway = await buildApp(config, { logger: false, ...(options.clock && { clock: options.clock }) });
  const { users, tokens } = slipway.ctx;
  return {
    slipway,
    testDb,
    dataDir,
    config,
    adminToken: ADMIN_TOKEN,
    async userWithRoles(username, roles) {
      const { user } = await users.create(systemActor('test'), { username, roles, password: null });
      const { secret } = await tokens.create(systemActor('test'), { name: 'test', userId: user.id }, true);
      return { id: user.id, token: secret };
    },
    request({ method, url, token = ADMIN_TOKEN, body, headers = {} }) {
      return slipway.app.inject({
        method,
        url,
        headers: {
          ...(token !== null && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    },
    async close() {
      await slipway.close();
      await testDb.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
