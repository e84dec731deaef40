import type { AttributeDefinition } from '@slipway/model';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { CiClassesTable } from './cmdb.table.js';
import { readJson } from './json-column.js';

export type CiClassRow = Selectable<CiClassesTable>;

export interface CiClass {
  name: string;
  label: string;
  description: string;
  attributes: AttributeDefinition[];
  builtin: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function toCiClass(row: CiClassRow): CiClass {
  return {
    name: row.name,
    label: row.label,
    description: row.description,
    attributes: readJson<AttributeDefinition[]>(row.attributes),
    builtin: row.builtin === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export const ciClassRepository = {
  async all(db: Db): Promise<CiClassRow[]> {
    return db.selectFrom('ci_classes').selectAll().orderBy('name').execute();
  },

  async find(db: Db, name: string): Promise<CiClassRow | undefined> {
    return db.selectFrom('ci_classes').selectAll().where('name', '=', name).executeTakeFirst();
  },

  async insert(db: Db, values: Insertable<CiClassesTable>): Promise<CiClassRow> {
    return db.insertInto('ci_classes').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async update(
    db: Db,
    name: string,
    expectedVersion: number,
    values: Updateable<CiClassesTable>,
  ): Promise<CiClassRow | undefined> {
    return db
      .updateTable('ci_classes')
      .set({ ...values, version: expectedVersion + 1 })
      .where('name', '=', name)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },
};
