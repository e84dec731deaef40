/** What the benchmark ran on, recorded in every result file so numbers can be compared honestly. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { importServerDependency, ROOT, SERVER_DIR, serverDependencyVersion } from './modules.mjs';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The PostgreSQL server the benchmark uses (workloads create and drop their own databases on it). */
export function postgresUrl() {
  return process.env.SLIPWAY_BENCH_PG_URL ?? process.env.SLIPWAY_TEST_PG_URL ?? DEFAULT_PG_URL;
}

function tryExec(command, args) {
  try {
    return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function sqliteVersion() {
  try {
    const Database = await importServerDependency('better-sqlite3');
    const db = new Database(':memory:');
    try {
      return db.prepare('select sqlite_version() as v').get().v;
    } finally {
      db.close();
    }
  } catch (error) {
    return `unavailable (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** PostgreSQL server version and the settings that matter for benchmarks, or null when unreachable. */
async function postgresInfo(url) {
  let client;
  try {
    const pg = await importServerDependency('pg');
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    await client.connect();
    const settings = {};
    for (const name of [
      'server_version',
      'jit',
      'synchronous_commit',
      'shared_buffers',
      'work_mem',
      'maintenance_work_mem',
      'max_wal_size',
    ]) {
      settings[name] = (await client.query(`show ${name}`)).rows[0]?.[name] ?? null;
    }
    return { url: url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'), ...settings };
  } catch {
    return null;
  } finally {
    await client?.end().catch(() => undefined);
  }
}

export async function machineInfo() {
  const cpus = os.cpus();
  const pgUrl = postgresUrl();
  return {
    hostname: os.hostname(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
    v8: process.versions.v8,
    sqlite: await sqliteVersion(),
    postgres: await postgresInfo(pgUrl),
    packages: {
      fastify: serverDependencyVersion('fastify'),
      kysely: serverDependencyVersion('kysely'),
      'better-sqlite3': serverDependencyVersion('better-sqlite3'),
      pg: serverDependencyVersion('pg'),
    },
    serverUnderTest: SERVER_DIR,
    gitCommit: tryExec('git', ['rev-parse', '--short', 'HEAD']),
    gitDirty: (tryExec('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    taskset: tryExec('taskset', ['--version']) !== null,
  };
}

export function describeMachine(m) {
  const pg = m.postgres ? `PostgreSQL ${m.postgres.server_version} (jit=${m.postgres.jit})` : 'PostgreSQL unreachable';
  return [
    `machine: ${m.cpuCount} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, ${m.os}, load ${m.loadAverage.join(' ')}`,
    `software: Node ${m.node}, SQLite ${m.sqlite}, ${pg}, fastify ${m.packages.fastify}, kysely ${m.packages.kysely}`,
    `commit: ${m.gitCommit ?? 'unknown'}${m.gitDirty ? ' (with uncommitted changes)' : ''}` +
      (m.serverUnderTest.endsWith('packages/server') ? '' : `; server under test: ${m.serverUnderTest}`),
  ].join('\n');
}
