import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { MaturityAssessmentsTable } from './maturity.table.js';

export type AssessmentRow = Selectable<MaturityAssessmentsTable>;

export const maturityRepository = {
  async insert(db: Db, values: Insertable<MaturityAssessmentsTable>): Promise<AssessmentRow> {
    return db.insertInto('maturity_assessments').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async find(db: Db, id: number): Promise<AssessmentRow | undefined> {
    return db.selectFrom('maturity_assessments').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Newest first. */
  async list(db: Db, beforeId: number | undefined, limit: number): Promise<AssessmentRow[]> {
    let query = db.selectFrom('maturity_assessments').selectAll();
    if (beforeId !== undefined) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
};
