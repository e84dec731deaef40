import { openDatabase } from '../../platform/database.js';

/** What a database holds, read straight from its tables (not through the API). */
export interface DatabaseContent {
  /** Audit entries: seq → hash. */
  audit: Map<number, string>;
  /** Objects created according to the audit trail, by type, up to `uptoSeq` when given. */
  createdPerTrail: Record<'ci' | 'relationship' | 'change', Set<string>>;
  /** Ids present in the tables. */
  tables: Record<'ci' | 'relationship' | 'change', Set<string>>;
}

const CREATE_ACTIONS: Record<string, 'ci' | 'relationship' | 'change'> = {
  'ci.create': 'ci',
  'relationship.create': 'relationship',
  'change.create': 'change',
};

/**
 * Reads the audit trail and the ids of CIs, relationships and changes of a database. With
 * `uptoSeq`, only audit entries up to that sequence number count (the state as of a backup).
 */
export async function readContent(databaseUrl: string, uptoSeq?: number): Promise<DatabaseContent> {
  const database = openDatabase(databaseUrl, { poolSize: 2 });
  try {
    const { db } = database;
    let query = db.selectFrom('audit_log').select(['seq', 'hash', 'action', 'object_id']).orderBy('seq');
    if (uptoSeq !== undefined) query = query.where('seq', '<=', uptoSeq);
    const entries = await query.execute();
    const createdPerTrail = { ci: new Set<string>(), relationship: new Set<string>(), change: new Set<string>() };
    for (const entry of entries) {
      const type = CREATE_ACTIONS[entry.action];
      if (type && entry.object_id !== null) createdPerTrail[type].add(String(entry.object_id));
    }
    const ids = async (table: 'cis' | 'relationships' | 'changes') =>
      new Set((await db.selectFrom(table).select('id').execute()).map((row) => String(row.id)));
    return {
      audit: new Map(entries.map((e) => [Number(e.seq), e.hash])),
      createdPerTrail,
      tables: { ci: await ids('cis'), relationship: await ids('relationships'), change: await ids('changes') },
    };
  } finally {
    await database.close();
  }
}

/** Elements of `a` missing from `b`, and of `b` missing from `a` (at most a few of each, for messages). */
export function setDifference(a: Set<string>, b: Set<string>): { missing: string[]; extra: string[] } {
  return {
    missing: [...a].filter((x) => !b.has(x)).slice(0, 10),
    extra: [...b].filter((x) => !a.has(x)).slice(0, 10),
  };
}
