import type { JsonColumn } from '../cmdb/cmdb.table.js';
import { containsPattern, likeOperator } from '../cmdb/json-column.js';
import type { Db } from '../platform/database.js';

export interface CiFactsRow {
  id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: JsonColumn;
}

export interface ScanFilter {
  classes?: string[] | undefined;
  environments?: string[] | undefined;
  /** Undefined: every status but retired. */
  statuses?: string[] | undefined;
  nameContains?: string | undefined;
  ids?: readonly number[] | undefined;
  afterId: number;
  limit: number;
}

const CHUNK = 10_000;
const COLUMNS = ['id', 'class', 'name', 'status', 'environment', 'owner', 'criticality', 'attributes'] as const;

/**
 * Release management's read model of the CMDB: the set-at-a-time questions that target queries,
 * peaceful coexistence and the release-level impact ask about many CIs at once ("which of these
 * 2,600 desktops have Zoom installed?"), which the CMDB's services answer one CI at a time. Like
 * the library's compliance read model it only reads CMDB tables; every CMDB write still goes
 * through the CMDB's services. Each function is one statement per chunk of ids, never one per CI.
 */
export const releaseCmdbRepository = {
  async cisByIds(db: Db, ids: readonly number[]): Promise<CiFactsRow[]> {
    const out: CiFactsRow[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      if (chunk.length > 0)
        out.push(...(await db.selectFrom('cis').select(COLUMNS).where('id', 'in', chunk).execute()));
    }
    return out;
  },

  /** Ids of CIs named `class/name`, keyed `class/name`; 500 references per query. */
  async idsByRefs(db: Db, refs: readonly { class: string; name: string }[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < refs.length; i += 500) {
      const chunk = refs.slice(i, i + 500);
      const rows = await db
        .selectFrom('cis')
        .select(['id', 'class', 'name'])
        .where((eb) => eb.or(chunk.map((r) => eb.and([eb('class', '=', r.class), eb('name', '=', r.name)]))))
        .execute();
      for (const row of rows) found.set(`${row.class}/${row.name}`, row.id);
    }
    return found;
  },

  /** One page of the CIs a query's SQL-side fields select, in id order (keyset paging). */
  async scan(db: Db, filter: ScanFilter): Promise<CiFactsRow[]> {
    let query = db.selectFrom('cis').select(COLUMNS).where('id', '>', filter.afterId);
    if (filter.classes) query = query.where('class', 'in', filter.classes);
    if (filter.environments) query = query.where('environment', 'in', filter.environments);
    if (filter.statuses) query = query.where('status', 'in', filter.statuses);
    else query = query.where('status', '!=', 'retired');
    if (filter.nameContains) query = query.where('name', likeOperator(db), containsPattern(filter.nameContains));
    if (filter.ids) query = query.where('id', 'in', [...filter.ids]);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** Live software CIs (the candidates of an `installed` condition, filtered by product in memory). */
  async liveSoftware(db: Db): Promise<CiFactsRow[]> {
    return db
      .selectFrom('cis')
      .select(COLUMNS)
      .where('class', '=', 'software')
      .where('status', '!=', 'retired')
      .orderBy('id')
      .execute();
  },

  /** Hosts (live) that have any of these software CIs installed. */
  async hostsWithSoftware(db: Db, softwareIds: readonly number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (let i = 0; i < softwareIds.length; i += CHUNK) {
      const chunk = softwareIds.slice(i, i + CHUNK);
      if (chunk.length === 0) continue;
      const rows = await db
        .selectFrom('relationships as r')
        .innerJoin('cis as host', 'host.id', 'r.target_id')
        .select('r.target_id')
        .distinct()
        .where('r.type', '=', 'installed_on')
        .where('r.source_id', 'in', chunk)
        .where('host.status', '!=', 'retired')
        .execute();
      for (const r of rows) out.add(r.target_id);
    }
    return out;
  },

  /** Live software installed on each of the given hosts: one join per chunk of hosts. */
  async softwareOn(db: Db, hostIds: readonly number[]): Promise<(CiFactsRow & { host_id: number })[]> {
    const out: (CiFactsRow & { host_id: number })[] = [];
    for (let i = 0; i < hostIds.length; i += CHUNK) {
      const chunk = hostIds.slice(i, i + CHUNK);
      if (chunk.length === 0) continue;
      out.push(
        ...(await db
          .selectFrom('relationships as r')
          .innerJoin('cis as sw', 'sw.id', 'r.source_id')
          .select([
            'r.target_id as host_id',
            'sw.id',
            'sw.class',
            'sw.name',
            'sw.status',
            'sw.environment',
            'sw.owner',
            'sw.criticality',
            'sw.attributes',
          ])
          .where('r.type', '=', 'installed_on')
          .where('r.target_id', 'in', chunk)
          .where('sw.status', '!=', 'retired')
          .execute()),
      );
    }
    return out;
  },

  /** Edges of the given types leaving (`out`) or entering (`in`) any of the CIs. */
  async edges(
    db: Db,
    ids: readonly number[],
    direction: 'out' | 'in',
    types: readonly string[],
  ): Promise<{ source_id: number; type: string; target_id: number }[]> {
    const out: { source_id: number; type: string; target_id: number }[] = [];
    const column = direction === 'out' ? 'source_id' : 'target_id';
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      if (chunk.length === 0) continue;
      out.push(
        ...(await db
          .selectFrom('relationships')
          .select(['source_id', 'type', 'target_id'])
          .where(column, 'in', chunk)
          .where('type', 'in', [...types])
          .execute()),
      );
    }
    return out;
  },

  /** The CIs at the other end of `type` edges touching `ciId` (sources for `out`, targets for `in`). */
  async ends(db: Db, ciId: number, type: string, direction: 'out' | 'in'): Promise<Set<number>> {
    const rows =
      direction === 'out'
        ? await db
            .selectFrom('relationships')
            .select('source_id as id')
            .where('target_id', '=', ciId)
            .where('type', '=', type)
            .execute()
        : await db
            .selectFrom('relationships')
            .select('target_id as id')
            .where('source_id', '=', ciId)
            .where('type', '=', type)
            .execute();
    return new Set(rows.map((r) => r.id));
  },
};
