import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { readJson, writeJson } from '../cmdb/json-column.js';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import type { ChangeTemplatesTable } from './changes.table.js';

type TemplateRow = Selectable<ChangeTemplatesTable>;

/** A pre-approved standard change: within these limits a change of this kind needs no CAB. */
export interface ChangeTemplate {
  id: number;
  name: string;
  description: string;
  allowedCiClasses: string[];
  maxImpactedCis: number;
  maxDurationMinutes: number;
  backoutPlan: string | null;
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface ChangeTemplateInput {
  name: string;
  description?: string | undefined;
  allowedCiClasses: string[];
  maxImpactedCis: number;
  maxDurationMinutes: number;
  backoutPlan?: string | null | undefined;
  active?: boolean | undefined;
}

export type ChangeTemplatePatch = Partial<ChangeTemplateInput>;

function toTemplate(row: TemplateRow): ChangeTemplate {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    allowedCiClasses: readJson<string[]>(row.allowed_ci_classes),
    maxImpactedCis: row.max_impacted_cis,
    maxDurationMinutes: row.max_duration_minutes,
    backoutPlan: row.backout_plan,
    active: row.active === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

const templateRepository = {
  async findById(db: Db, id: number): Promise<TemplateRow | undefined> {
    return db.selectFrom('change_templates').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async findByName(db: Db, name: string): Promise<TemplateRow | undefined> {
    return db.selectFrom('change_templates').selectAll().where('name', '=', name).executeTakeFirst();
  },
  async list(db: Db, afterId: number | undefined, limit: number, active?: boolean): Promise<TemplateRow[]> {
    let query = db.selectFrom('change_templates').selectAll();
    if (active !== undefined) query = query.where('active', '=', active ? 1 : 0);
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },
  async insert(db: Db, values: Insertable<ChangeTemplatesTable>): Promise<TemplateRow> {
    return db.insertInto('change_templates').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async update(
    db: Db,
    id: number,
    version: number,
    values: Updateable<ChangeTemplatesTable>,
  ): Promise<TemplateRow | undefined> {
    return db
      .updateTable('change_templates')
      .set({ ...values, version: version + 1 })
      .where('id', '=', id)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst();
  },
};

/** The catalogue of standard-change templates (managed with changes.manage). */
export class ChangeTemplateService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async get(id: number, db: Db = this.db): Promise<ChangeTemplate> {
    const row = await templateRepository.findById(db, id);
    if (!row) throw new NotFoundError('change template', id);
    return toTemplate(row);
  }

  async list(afterId: number | undefined, limit: number, active?: boolean): Promise<ChangeTemplate[]> {
    return (await templateRepository.list(this.db, afterId, limit, active)).map(toTemplate);
  }

  async #check(db: Db, input: ChangeTemplateInput): Promise<void> {
    if (input.name.trim().length === 0 || input.name.length > 200) {
      throw new InputError('name must be 1–200 characters', { field: 'name' });
    }
    if (input.allowedCiClasses.length === 0) {
      throw new InputError('allowedCiClasses must name at least one CI class', { field: 'allowedCiClasses' });
    }
    const known = new Set(
      (await db.selectFrom('ci_classes').select('name').where('name', 'in', input.allowedCiClasses).execute()).map(
        (r) => r.name,
      ),
    );
    const unknown = input.allowedCiClasses.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw new InputError(`allowedCiClasses: unknown class ${unknown.join(', ')}`, {
        field: 'allowedCiClasses',
        unknown,
      });
    }
  }

  async create(actor: Actor, input: ChangeTemplateInput): Promise<ChangeTemplate> {
    return this.db.transaction().execute(async (tx) => {
      await this.#check(tx, input);
      const existing = await templateRepository.findByName(tx, input.name.trim());
      if (existing)
        throw new ConflictError(`A template named "${input.name}" exists (id ${existing.id})`, {
          existingId: existing.id,
        });
      const now = isoNow(this.clock);
      const row = await templateRepository.insert(tx, {
        name: input.name.trim(),
        description: input.description ?? '',
        allowed_ci_classes: writeJson([...new Set(input.allowedCiClasses)]),
        max_impacted_cis: input.maxImpactedCis,
        max_duration_minutes: input.maxDurationMinutes,
        backout_plan: input.backoutPlan ?? null,
        active: input.active === false ? 0 : 1,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const template = toTemplate(row);
      await this.audit.record(tx, actor, {
        action: 'change_template.create',
        objectType: 'change_template',
        objectId: template.id,
        after: template,
      });
      return template;
    });
  }

  async update(
    actor: Actor,
    id: number,
    patch: ChangeTemplatePatch,
    expectedVersion?: number,
  ): Promise<ChangeTemplate> {
    return this.db.transaction().execute(async (tx) => {
      const row = await templateRepository.findById(tx, id);
      if (!row) throw new NotFoundError('change template', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('change template', id, expectedVersion, row.version);
      }
      const before = toTemplate(row);
      const merged: ChangeTemplateInput = {
        name: patch.name ?? before.name,
        description: patch.description ?? before.description,
        allowedCiClasses: patch.allowedCiClasses ?? before.allowedCiClasses,
        maxImpactedCis: patch.maxImpactedCis ?? before.maxImpactedCis,
        maxDurationMinutes: patch.maxDurationMinutes ?? before.maxDurationMinutes,
        backoutPlan: patch.backoutPlan === undefined ? before.backoutPlan : patch.backoutPlan,
        active: patch.active ?? before.active,
      };
      await this.#check(tx, merged);
      if (merged.name.trim() !== before.name) {
        const clash = await templateRepository.findByName(tx, merged.name.trim());
        if (clash)
          throw new ConflictError(`A template named "${merged.name}" exists (id ${clash.id})`, {
            existingId: clash.id,
          });
      }
      const updated = await templateRepository.update(tx, id, row.version, {
        name: merged.name.trim(),
        description: merged.description ?? '',
        allowed_ci_classes: writeJson([...new Set(merged.allowedCiClasses)]),
        max_impacted_cis: merged.maxImpactedCis,
        max_duration_minutes: merged.maxDurationMinutes,
        backout_plan: merged.backoutPlan ?? null,
        active: merged.active ? 1 : 0,
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('change template', id, row.version, row.version + 1);
      const after = toTemplate(updated);
      await this.audit.record(tx, actor, {
        action: 'change_template.update',
        objectType: 'change_template',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }
}
