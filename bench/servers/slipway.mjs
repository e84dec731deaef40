/**
 * The product: a whole Slipway (every plugin, hook and route, as `slipway serve` builds it) on a
 * fresh SQLite database in a temp directory, logging at `warn` so log volume does not dominate.
 * Seeds `users` token-only users, `cis` configuration items (servers, and an application running on
 * one of them), an auditor with a real API token (reads) and an engineer with one (writes: changes);
 * `info` tells the harness which ids to read and with which tokens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importSlipwayServer } from '../lib/modules.mjs';

export async function start({ users = 100, cis = 100, db = 'sqlite', pgUrl = null, logLevel = 'warn' } = {}) {
  const { buildApp, resolveConfig, systemActor } = await importSlipwayServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-'));
  const databaseUrl = db === 'postgres' ? pgUrl : `sqlite:${path.join(dir, 'slipway.db')}`;
  const config = resolveConfig(
    { db: databaseUrl, dataDir: dir, port: 0, host: '127.0.0.1', logLevel },
    // Bootstrap admin with a fixed token; the benchmark itself uses a real, generated token.
    { SLIPWAY_ADMIN_TOKEN: 'bench-bootstrap-admin-token' },
  );
  const slipway = await buildApp(config);
  const actor = systemActor('bench');
  const ids = [];
  for (let i = 1; i <= users; i++) {
    const { user } = await slipway.ctx.users.create(actor, {
      username: `bench-user-${i}`,
      displayName: `Bench user ${i}`,
      roles: ['engineer'],
      password: null,
    });
    ids.push(user.id);
  }
  const { user: reader } = await slipway.ctx.users.create(actor, {
    username: 'bench-reader',
    roles: ['auditor'],
    password: null,
  });
  const { secret } = await slipway.ctx.tokens.create(actor, { name: 'bench', userId: reader.id }, true);
  const { user: writer } = await slipway.ctx.users.create(actor, {
    username: 'bench-writer',
    roles: ['engineer'],
    password: null,
  });
  const { secret: writerToken } = await slipway.ctx.tokens.create(actor, { name: 'bench-w', userId: writer.id }, true);
  const ciIds = [];
  for (let i = 1; i <= cis; i++) {
    const ci = await slipway.ctx.cmdb.cis.create(actor, {
      class: 'server',
      name: `bench-srv-${String(i).padStart(5, '0')}`,
      environment: 'production',
      owner: 'team-bench',
      criticality: 'high',
      attributes: { hostname: `bench-srv-${i}.example.net`, os: 'linux', cpu_cores: 16 },
    });
    ciIds.push(ci.id);
  }
  await slipway.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: slipway.app.server.address().port,
    info: {
      token: secret,
      userId: ids[Math.floor(ids.length / 2)] ?? reader.id,
      writerToken,
      ciId: ciIds[Math.floor(ciIds.length / 2)] ?? null,
      ciIds,
    },
    close: async () => {
      await slipway.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
