import type { JsonColumn } from '../cmdb/cmdb.table.js';
import type { Db } from '../platform/database.js';

export interface InstalledSoftwareRow {
  id: number;
  name: string;
  attributes: JsonColumn;
  hosts: number;
}

/**
 * The compliance report's read model of the CMDB: which software CIs are installed where. It is
 * a read-only aggregate over the CMDB's tables that the CMDB's services do not offer (they
 * answer per CI); no CMDB row is ever written from here.
 */
export const complianceRepository = {
  /** Live software CIs that are `installed_on` at least one live host, with the host count. */
  async installedSoftware(db: Db): Promise<InstalledSoftwareRow[]> {
    const counts = await db
      .selectFrom('relationships as r')
      .innerJoin('cis as host', 'host.id', 'r.target_id')
      .innerJoin('cis as sw', 'sw.id', 'r.source_id')
      .select(['r.source_id', (eb) => eb.fn.countAll<number>().as('hosts')])
      .where('r.type', '=', 'installed_on')
      .where('host.status', '!=', 'retired')
      .where('sw.class', '=', 'software')
      .where('sw.status', '!=', 'retired')
      .groupBy('r.source_id')
      .execute();
    if (counts.length === 0) return [];
    const hostsBySoftware = new Map(counts.map((c) => [c.source_id, Number(c.hosts)]));
    const rows = await db
      .selectFrom('cis')
      .select(['id', 'name', 'attributes'])
      .where('class', '=', 'software')
      .where('status', '!=', 'retired')
      .orderBy('id')
      .execute();
    return rows
      .filter((row) => hostsBySoftware.has(row.id))
      .map((row) => ({ ...row, hosts: hostsBySoftware.get(row.id) ?? 0 }));
  },

  /** Up to `perSoftware` host names for each of the given software CIs. */
  async exampleHosts(
    db: Db,
    softwareIds: readonly number[],
    perSoftware: number,
  ): Promise<Map<number, { id: number; class: string; name: string }[]>> {
    const result = new Map<number, { id: number; class: string; name: string }[]>();
    if (softwareIds.length === 0) return result;
    const rows = await db
      .selectFrom('relationships as r')
      .innerJoin('cis as host', 'host.id', 'r.target_id')
      .select(['r.source_id', 'host.id', 'host.class', 'host.name'])
      .where('r.type', '=', 'installed_on')
      .where('r.source_id', 'in', [...softwareIds])
      .where('host.status', '!=', 'retired')
      .orderBy('r.source_id')
      .orderBy('host.id')
      .execute();
    for (const row of rows) {
      const list = result.get(row.source_id) ?? [];
      if (list.length < perSoftware) list.push({ id: row.id, class: row.class, name: row.name });
      result.set(row.source_id, list);
    }
    return result;
  },
};
