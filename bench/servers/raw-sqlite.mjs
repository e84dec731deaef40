/**
 * Baseline: the same route as Slipway's `GET /api/v1/users/:id` (same row shape, same response
 * fields, response schema) on Fastify with a raw better-sqlite3 prepared statement and no
 * product layers: no authentication, hooks, helmet, metrics or query builder. The gap between
 * this and Slipway is what the product's layers cost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importServerDependency } from '../lib/modules.mjs';

const USER = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    email: { type: ['string', 'null'] },
    roles: { type: 'array', items: { type: 'string' } },
    disabled: { type: 'boolean' },
    hasPassword: { type: 'boolean' },
    lastLoginAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    version: { type: 'integer' },
  },
};

export async function start({ users = 100 } = {}) {
  const Fastify = await importServerDependency('fastify');
  const Database = await importServerDependency('better-sqlite3');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-raw-'));
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`create table users (
    id integer primary key autoincrement, username text not null unique, display_name text not null,
    email text, roles text not null, password_hash text, disabled integer not null default 0,
    last_login_at text, created_at text not null, updated_at text not null, version integer not null default 1)`);
  const insert = db.prepare(
    'insert into users (username, display_name, roles, created_at, updated_at) values (?, ?, ?, ?, ?)',
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    insert.run('admin', 'Administrator', '["admin"]', now, now);
    for (let i = 1; i <= users; i++) insert.run(`bench-user-${i}`, `Bench user ${i}`, '["engineer"]', now, now);
  })();
  const byId = db.prepare('select * from users where id = ?');

  const app = Fastify({ logger: false });
  app.get(
    '/api/v1/users/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        response: { 200: USER },
      },
    },
    async (request, reply) => {
      const row = byId.get(request.params.id);
      if (!row) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such user' } });
      reply.header('etag', `"${row.version}"`);
      return {
        id: row.id,
        username: row.username,
        displayName: row.display_name,
        email: row.email,
        roles: JSON.parse(row.roles),
        disabled: row.disabled === 1,
        hasPassword: row.password_hash !== null,
        lastLoginAt: row.last_login_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        version: row.version,
      };
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: app.server.address().port,
    info: { userId: Math.ceil(users / 2) + 1 },
    close: async () => {
      await app.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
