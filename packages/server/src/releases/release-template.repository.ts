import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { ReleaseTemplatesTable } from './releases.table.js';

export type TemplateRow = Selectable<ReleaseTemplatesTable>;

export const releaseTemplateRepository = {
  async findById(db: Db, id: number): Promise<TemplateRow | undefined> {
    return db.selectFrom('release_templates').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findByName(db: Db, name: string): Promise<TemplateRow | undefined> {
    return db.selectFrom('release_templates').selectAll().where('name', '=', name).executeTakeFirst();
  },

  /** The shipped template of an element (the default a release starts from). */
  async builtinFor(db: Db, element: string): Promise<TemplateRow | undefined> {
    return db
      .selectFrom('release_templates')
      .selectAll()
      .where('element', '=', element)
      .where('builtin', '=', 1)
      .orderBy('id')
      .executeTakeFirst();
  },

  async list(
    db: Db,
    filter: { element?: string | undefined; afterId?: number | undefined; limit: number },
  ): Promise<TemplateRow[]> {
    let query = db.selectFrom('release_templates').selectAll();
    if (filter.element) query = query.where('element', '=', filter.element);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  async countBuiltin(db: Db): Promise<number> {
    const row = await db
      .selectFrom('release_templates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('builtin', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async insert(db: Db, values: Insertable<ReleaseTemplatesTable>): Promise<TemplateRow> {
    return db.insertInto('release_templates').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Updates only if still at `expectedVersion`; undefined when someone else wrote first. */
  async update(
    db: Db,
    id: number,
    expectedVersion: number,
    values: Updateable<ReleaseTemplatesTable>,
  ): Promise<TemplateRow | undefined> {
    return db
      .updateTable('release_templates')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },
};
