import type { Insertable, Selectable, Updateable } from 'kysely';
import { containsPattern, likeOperator } from '../cmdb/json-column.js';
import type { Db } from '../platform/database.js';
import type {
  ArtifactsTable,
  LibraryTasksTable,
  SbomComponentsTable,
  SbomsTable,
  TrustedKeysTable,
} from './library.table.js';

export type ArtifactRow = Selectable<ArtifactsTable>;
export type TrustedKeyRow = Selectable<TrustedKeysTable>;
export type SbomRow = Selectable<SbomsTable>;
export type SbomComponentRow = Selectable<SbomComponentsTable>;
export type LibraryTaskRow = Selectable<LibraryTasksTable>;

/** Whether an artifact has an SBOM, and its size: shown with the artifact so clients need not probe. */
export interface SbomSummary {
  id: number;
  specVersion: string;
  components: number;
}

export interface ArtifactListFilter {
  name?: string | undefined;
  state?: string | undefined;
  element?: string | undefined;
  sha256?: string | undefined;
  /** Substring of the name, case-insensitive. */
  q?: string | undefined;
  afterId?: number | undefined;
  limit: number;
}

/** SQL of the software library. Every function takes the caller's handle or transaction. */
export const libraryRepository = {
  async findArtifact(db: Db, id: number): Promise<ArtifactRow | undefined> {
    return db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The attached SBOM (if any) of each artifact, in one query: artifact id → summary. */
  async sbomSummaries(db: Db, artifactIds: readonly number[]): Promise<Map<number, SbomSummary>> {
    const summaries = new Map<number, SbomSummary>();
    if (artifactIds.length === 0) return summaries;
    const rows = await db
      .selectFrom('sboms')
      .select(['id', 'artifact_id', 'spec_version', 'component_count'])
      .where('artifact_id', 'in', [...new Set(artifactIds)])
      .execute();
    for (const row of rows) {
      summaries.set(row.artifact_id, {
        id: row.id,
        specVersion: row.spec_version,
        components: Number(row.component_count),
      });
    }
    return summaries;
  },

  async findArtifactsByIds(db: Db, ids: readonly number[]): Promise<ArtifactRow[]> {
    if (ids.length === 0) return [];
    return db
      .selectFrom('artifacts')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  },

  async findByNameVersion(db: Db, name: string, version: string): Promise<ArtifactRow | undefined> {
    return db
      .selectFrom('artifacts')
      .selectAll()
      .where('name', '=', name)
      .where('artifact_version', '=', version)
      .executeTakeFirst();
  },

  async insertArtifact(db: Db, values: Insertable<ArtifactsTable>): Promise<ArtifactRow> {
    return db.insertInto('artifacts').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Updates when the row is still at `expectedVersion`; undefined otherwise. */
  async updateArtifact(
    db: Db,
    id: number,
    expectedVersion: number,
    values: Updateable<ArtifactsTable>,
  ): Promise<ArtifactRow | undefined> {
    return db
      .updateTable('artifacts')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async listArtifacts(db: Db, filter: ArtifactListFilter): Promise<ArtifactRow[]> {
    let query = db.selectFrom('artifacts').selectAll();
    if (filter.name) query = query.where('name', '=', filter.name);
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.element) query = query.where('element', '=', filter.element);
    if (filter.sha256) query = query.where('sha256', '=', filter.sha256);
    if (filter.q) query = query.where('name', likeOperator(db), containsPattern(filter.q));
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** Every artifact's identity and state: the compliance report's index of the library. */
  async artifactIndex(
    db: Db,
  ): Promise<Pick<ArtifactRow, 'id' | 'name' | 'artifact_version' | 'sha256' | 'state' | 'license'>[]> {
    return db
      .selectFrom('artifacts')
      .select(['id', 'name', 'artifact_version', 'sha256', 'state', 'license'])
      .execute();
  },

  /** Artifacts that integrity checks still cover (not already compromised), in id order. */
  async verifiableArtifacts(db: Db, afterId: number, limit: number): Promise<ArtifactRow[]> {
    return db
      .selectFrom('artifacts')
      .selectAll()
      .where('state', '!=', 'compromised')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  async insertKey(db: Db, values: Insertable<TrustedKeysTable>): Promise<TrustedKeyRow> {
    return db.insertInto('trusted_keys').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findKey(db: Db, id: number): Promise<TrustedKeyRow | undefined> {
    return db.selectFrom('trusted_keys').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findKeyByKeyId(db: Db, keyId: string): Promise<TrustedKeyRow | undefined> {
    return db.selectFrom('trusted_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
  },

  async listKeys(db: Db, afterId: number | undefined, limit: number): Promise<TrustedKeyRow[]> {
    let query = db.selectFrom('trusted_keys').selectAll();
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },

  async activeKeys(db: Db): Promise<TrustedKeyRow[]> {
    return db.selectFrom('trusted_keys').selectAll().where('revoked_at', 'is', null).execute();
  },

  async updateKey(
    db: Db,
    id: number,
    expectedVersion: number,
    values: Updateable<TrustedKeysTable>,
  ): Promise<TrustedKeyRow | undefined> {
    return db
      .updateTable('trusted_keys')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async findSbomByArtifact(db: Db, artifactId: number): Promise<SbomRow | undefined> {
    return db.selectFrom('sboms').selectAll().where('artifact_id', '=', artifactId).executeTakeFirst();
  },

  async deleteSbom(db: Db, sbomId: number): Promise<void> {
    await db.deleteFrom('sbom_components').where('sbom_id', '=', sbomId).execute();
    await db.deleteFrom('sboms').where('id', '=', sbomId).execute();
  },

  async insertSbom(db: Db, values: Insertable<SbomsTable>): Promise<SbomRow> {
    return db.insertInto('sboms').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async insertComponents(db: Db, rows: Insertable<SbomComponentsTable>[]): Promise<void> {
    // Batches keep each statement under SQLite's and PostgreSQL's bound-parameter limits.
    for (let i = 0; i < rows.length; i += 500) {
      await db
        .insertInto('sbom_components')
        .values(rows.slice(i, i + 500))
        .execute();
    }
  },

  async listComponents(db: Db, sbomId: number, afterId?: number, limit?: number): Promise<SbomComponentRow[]> {
    let query = db.selectFrom('sbom_components').selectAll().where('sbom_id', '=', sbomId);
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    query = query.orderBy('id');
    if (limit !== undefined) query = query.limit(limit);
    return query.execute();
  },

  async findComponent(db: Db, sbomId: number, componentId: number): Promise<SbomComponentRow | undefined> {
    return db
      .selectFrom('sbom_components')
      .selectAll()
      .where('sbom_id', '=', sbomId)
      .where('id', '=', componentId)
      .executeTakeFirst();
  },

  async reviewComponent(
    db: Db,
    componentId: number,
    values: { reviewed_by: string; reviewed_at: string; review_note: string | null },
  ): Promise<void> {
    await db.updateTable('sbom_components').set(values).where('id', '=', componentId).execute();
  },

  async findTask(db: Db, name: string): Promise<LibraryTaskRow | undefined> {
    return db.selectFrom('library_tasks').selectAll().where('name', '=', name).executeTakeFirst();
  },

  async ensureTask(db: Db, name: string, nextRunAt: string): Promise<void> {
    await db
      .insertInto('library_tasks')
      .values({ name, next_run_at: nextRunAt })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  },

  /**
   * Takes the task's lease when it is free (or expired) and, unless `force`, due. One UPDATE
   * with the condition in its WHERE: of several instances racing, exactly one row update wins.
   */
  async claimTask(
    db: Db,
    name: string,
    owner: string,
    now: string,
    leaseUntil: string,
    force: boolean,
  ): Promise<boolean> {
    let query = db
      .updateTable('library_tasks')
      .set({ lease_owner: owner, lease_until: leaseUntil, last_started_at: now })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
    if (!force) query = query.where('next_run_at', '<=', now);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async finishTask(
    db: Db,
    name: string,
    owner: string,
    values: { last_finished_at: string; next_run_at: string; last_result: string },
  ): Promise<void> {
    await db
      .updateTable('library_tasks')
      .set({ ...values, lease_owner: null, lease_until: null })
      .where('name', '=', name)
      .where('lease_owner', '=', owner)
      .execute();
  },
};
