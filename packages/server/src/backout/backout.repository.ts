import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { BackoutProceduresTable, BackoutRehearsalsTable } from './backout.table.js';

export type BackoutProcedureRow = Selectable<BackoutProceduresTable>;
export type BackoutRehearsalRow = Selectable<BackoutRehearsalsTable>;

/** SQL of the back-out procedure library. Every function takes the caller's handle or transaction. */
export const backoutRepository = {
  async find(db: Db, id: number): Promise<BackoutProcedureRow | undefined> {
    return db.selectFrom('backout_procedures').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async latestRevision(db: Db, ciClass: string): Promise<number> {
    const row = await db
      .selectFrom('backout_procedures')
      .select((eb) => eb.fn.max('revision').as('revision'))
      .where('ci_class', '=', ciClass)
      .executeTakeFirst();
    return Number(row?.revision ?? 0);
  },

  async insert(db: Db, values: Insertable<BackoutProceduresTable>): Promise<BackoutProcedureRow> {
    return db.insertInto('backout_procedures').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Every revision, by class then newest revision first; `afterId` pages by id. */
  async list(db: Db, filter: { ciClass?: string | undefined; afterId?: number | undefined; limit: number }) {
    let query = db.selectFrom('backout_procedures').selectAll();
    if (filter.ciClass !== undefined) query = query.where('ci_class', '=', filter.ciClass);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** The newest revision of every class that has a procedure (the library a back-out uses). */
  async currentOfEveryClass(db: Db): Promise<BackoutProcedureRow[]> {
    return db
      .selectFrom('backout_procedures as p')
      .selectAll('p')
      .where(({ eb, selectFrom }) =>
        eb(
          'p.revision',
          '=',
          selectFrom('backout_procedures as q')
            .select((q) => q.fn.max('q.revision').as('revision'))
            .whereRef('q.ci_class', '=', 'p.ci_class'),
        ),
      )
      .orderBy('p.ci_class')
      .execute();
  },

  async insertRehearsal(db: Db, values: Insertable<BackoutRehearsalsTable>): Promise<BackoutRehearsalRow> {
    return db.insertInto('backout_rehearsals').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Rehearsals of the given procedures, oldest first, in one query. */
  async rehearsalsOf(db: Db, procedureIds: readonly number[]): Promise<BackoutRehearsalRow[]> {
    if (procedureIds.length === 0) return [];
    return db
      .selectFrom('backout_rehearsals')
      .selectAll()
      .where('procedure_id', 'in', [...new Set(procedureIds)])
      .orderBy('id')
      .execute();
  },

  async classExists(db: Db, ciClass: string): Promise<boolean> {
    return (
      (await db.selectFrom('ci_classes').select('name').where('name', '=', ciClass).executeTakeFirst()) !== undefined
    );
  },
};
