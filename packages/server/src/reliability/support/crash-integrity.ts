import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

/**
 * Storage-level checks after crashes, beside the audit verification the API does.
 * SQLite: PRAGMA integrity_check (b-trees, free list, indexes against tables) and
 * foreign_key_check. PostgreSQL (whose own process never crashes in these suites): amcheck's
 * bt_index_check with heapallindexed (every heap tuple is in each index) and verify_heapam on
 * every table. Both: the audit trail's sequence has no gaps and the chain head row matches it.
 * Returns a description of every problem found (empty when clean).
 */
export async function databaseProblems(databaseUrl: string): Promise<string[]> {
  if (databaseUrl.startsWith('sqlite:')) return sqliteProblems(databaseUrl.slice('sqlite:'.length));
  return postgresProblems(databaseUrl);
}

interface AuditShape {
  entries: number;
  lastSeq: number | null;
  firstSeq: number | null;
  headSeq: number | null;
}

function auditShapeProblems(shape: AuditShape): string[] {
  const problems: string[] = [];
  if (shape.entries > 0 && (shape.firstSeq !== 1 || shape.lastSeq !== shape.entries)) {
    problems.push(`audit_log has gaps: ${shape.entries} rows from ${shape.firstSeq} to ${shape.lastSeq}`);
  }
  if ((shape.headSeq ?? 0) !== (shape.lastSeq ?? 0)) {
    problems.push(`audit_head is at ${shape.headSeq} but the trail ends at ${shape.lastSeq}`);
  }
  return problems;
}

function sqliteProblems(file: string): string[] {
  // Read-write: opening a crashed database is what runs SQLite's recovery (replays the WAL).
  const db = new SqliteDatabase(file, { fileMustExist: true });
  try {
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    for (const row of integrity)
      if (row.integrity_check !== 'ok') problems.push(`integrity_check: ${row.integrity_check}`);
    const foreign = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    for (const row of foreign)
      problems.push(`foreign_key_check: ${row.table} row ${row.rowid} → missing ${row.parent}`);
    const audit = db
      .prepare('select count(*) as entries, min(seq) as firstSeq, max(seq) as lastSeq from audit_log')
      .get() as Omit<AuditShape, 'headSeq'>;
    const head = db.prepare('select seq from audit_head where id = 1').get() as { seq: number } | undefined;
    problems.push(...auditShapeProblems({ ...audit, headSeq: head?.seq ?? null }));
    return problems;
  } finally {
    db.close();
  }
}

async function postgresProblems(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const problems: string[] = [];
    await client.query('create extension if not exists amcheck');
    const indexes = await client.query<{ name: string; oid: number }>(
      `select c.relname as name, c.oid
         from pg_index i
         join pg_class c on c.oid = i.indexrelid
         join pg_am am on am.oid = c.relam
         join pg_namespace n on n.oid = c.relnamespace
        where am.amname = 'btree' and n.nspname = current_schema()`,
    );
    for (const index of indexes.rows) {
      try {
        await client.query('select bt_index_check($1::regclass, true)', [index.oid]);
      } catch (error) {
        problems.push(`bt_index_check(${index.name}): ${(error as Error).message}`);
      }
    }
    const tables = await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and n.nspname = current_schema()`,
    );
    for (const table of tables.rows) {
      const corrupt = await client.query<{ blkno: number; msg: string }>(
        'select blkno, msg from verify_heapam($1::regclass)',
        [table.name],
      );
      for (const row of corrupt.rows) problems.push(`verify_heapam(${table.name}) block ${row.blkno}: ${row.msg}`);
    }
    const audit = await client.query<{ entries: number; firstSeq: number | null; lastSeq: number | null }>(
      'select count(*)::int as entries, min(seq)::int as "firstSeq", max(seq)::int as "lastSeq" from audit_log',
    );
    const head = await client.query<{ seq: number }>('select seq::int as seq from audit_head where id = 1');
    const shape = audit.rows[0] ?? { entries: 0, firstSeq: null, lastSeq: null };
    problems.push(...auditShapeProblems({ ...shape, headSeq: head.rows[0]?.seq ?? null }));
    return problems;
  } finally {
    await client.end();
  }
}
