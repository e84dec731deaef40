import type { Insertable, Selectable } from 'kysely';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { auditRepository } from '../../platform/audit/audit.repository.js';
import type { Db, SlipwayDatabase } from '../../platform/database.js';
import type { GraphChangesTable } from '../cmdb.table.js';

export type GraphChangeRow = Selectable<GraphChangesTable>;

/** Rows of (source_id, type, target_id) or (id, class), streamed in chunks without objects per row. */
export type RowSink = (fields: (string | number)[]) => void;

/**
 * Streams every relationship as [source_id, type, target_id] to `sink`. This is the cold-start
 * path for the impact index: better-sqlite3's raw iterator on SQLite, COPY … TO STDOUT on
 * PostgreSQL (several times faster than a cursor for millions of rows).
 */
export async function streamRelationships(database: SlipwayDatabase, sink: RowSink): Promise<void> {
  if (database.sqlite) {
    const statement = database.sqlite.prepare('select source_id, type, target_id from relationships').raw(true);
    for (const row of statement.iterate() as Iterable<[number, string, number]>) sink(row);
    return;
  }
  await copyRows(database, 'copy (select source_id, type, target_id from relationships) to stdout', (cols) =>
    sink([Number(cols[0]), cols[1] as string, Number(cols[2])]),
  );
}

/** Streams every CI as [id, class]. */
export async function streamCiClasses(database: SlipwayDatabase, sink: RowSink): Promise<void> {
  if (database.sqlite) {
    const statement = database.sqlite.prepare('select id, class from cis').raw(true);
    for (const row of statement.iterate() as Iterable<[number, string]>) sink(row);
    return;
  }
  await copyRows(database, 'copy (select id, class from cis) to stdout', (cols) =>
    sink([Number(cols[0]), cols[1] as string]),
  );
}

/** Runs a COPY … TO STDOUT (text format) and hands each row's columns to `onRow`. */
async function copyRows(database: SlipwayDatabase, copySql: string, onRow: (cols: string[]) => void): Promise<void> {
  const pool = database.pgPool;
  if (!pool) throw new Error('COPY needs a PostgreSQL database');
  const client = await pool.connect();
  try {
    const stream = client.query(copyTo(copySql));
    let rest = '';
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + chunk.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) onRow(line.split('\t'));
    }
    if (rest.length > 0) onRow(rest.split('\t'));
  } finally {
    client.release();
  }
}

/** Bulk-writes rows into a table with COPY FROM STDIN (PostgreSQL import path). */
export async function copyIntoTable(
  database: SlipwayDatabase,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly (string | number | null)[]>,
): Promise<void> {
  const pool = database.pgPool;
  if (!pool) throw new Error('COPY needs a PostgreSQL database');
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', () => resolve());
      stream.on('error', reject);
    });
    let buffer = '';
    for (const row of rows) {
      buffer += `${row.map(copyText).join('\t')}\n`;
      if (buffer.length > 1 << 20) {
        const accepted = stream.write(buffer);
        buffer = '';
        if (!accepted) await new Promise((resolve) => stream.once('drain', resolve));
      }
    }
    stream.end(buffer);
    await done;
  } finally {
    client.release();
  }
}

/** COPY text format: \N for null; backslash, tab, newline and carriage return escaped. */
function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export const graphChangeRepository = {
  /**
   * Appends to the graph change log. Readers tail the log by sequence number, so numbers must be
   * handed out in commit order: the audit head row lock (held by every writing transaction until
   * it commits) is taken first, which on PostgreSQL serialises log appends exactly as it
   * serialises audit appends. (SQLite has one writer at a time anyway.)
   */
  async append(db: Db, rows: Insertable<GraphChangesTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await auditRepository.lockHead(db);
    for (let i = 0; i < rows.length; i += 5000)
      await db
        .insertInto('graph_changes')
        .values(rows.slice(i, i + 5000))
        .execute();
  },

  async since(db: Db, afterSeq: number, limit: number): Promise<GraphChangeRow[]> {
    return db.selectFrom('graph_changes').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  },

  /** Appends a `reload` entry (a bulk change: rebuild from the tables) and returns its sequence number. */
  async appendReload(db: Db, at: string): Promise<number> {
    await auditRepository.lockHead(db);
    const row = await db
      .insertInto('graph_changes')
      .values({ op: 'reload', at })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return Number(row.seq);
  },

  /** Forgets log entries older than `before`; an instance that was away that long reloads in full. */
  async pruneBefore(db: Db, before: string): Promise<number> {
    const result = await db.deleteFrom('graph_changes').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  },

  async oldestSeq(db: Db): Promise<number> {
    const row = await db
      .selectFrom('graph_changes')
      .select((eb) => eb.fn.min<number | null>('seq').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  },

  async latestSeq(db: Db): Promise<number> {
    const row = await db
      .selectFrom('graph_changes')
      .select((eb) => eb.fn.max<number | null>('seq').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  },
};
