import {
  PLAN_SECTION_KEYS,
  PLAN_SECTIONS,
  type PlanSectionKey,
  type ReleaseElement,
  type RolloutStrategy,
  type TestProtocol,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import { readJson, writeJson } from '../cmdb/json-column.js';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';
import { releaseTemplateRepository, type TemplateRow } from './release-template.repository.js';

export interface ReleaseTemplate {
  id: number;
  name: string;
  element: ReleaseElement;
  description: string;
  planSections: { key: PlanSectionKey; title: string; content: string }[];
  requiredTests: Record<string, TestProtocol[]>;
  backoutProcedure: string;
  rolloutStrategy: RolloutStrategy;
  builtin: boolean;
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface TemplateInput {
  name: string;
  element: ReleaseElement;
  description?: string | undefined;
  planSections?: Partial<Record<PlanSectionKey, string>> | undefined;
  requiredTests?: Record<string, TestProtocol[]> | undefined;
  backoutProcedure?: string | undefined;
  rolloutStrategy: RolloutStrategy;
}

export type TemplatePatch = Partial<Omit<TemplateInput, 'element'>> & { active?: boolean | undefined };

const MAX_TEXT = 20_000;

export function toTemplate(row: TemplateRow): ReleaseTemplate {
  const stored = readJson<{ key: PlanSectionKey; content: string }[]>(row.plan_sections);
  const byKey = new Map(stored.map((s) => [s.key, s.content]));
  return {
    id: row.id,
    name: row.name,
    element: row.element as ReleaseElement,
    description: row.description,
    planSections: PLAN_SECTIONS.map((s) => ({ key: s.key, title: s.title, content: byKey.get(s.key) ?? '' })),
    requiredTests: readJson<Record<string, TestProtocol[]>>(row.required_tests),
    backoutProcedure: row.backout_procedure,
    rolloutStrategy: row.rollout_strategy as RolloutStrategy,
    builtin: row.builtin === 1,
    active: row.active === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function storedSections(sections: Partial<Record<PlanSectionKey, string>>): { key: PlanSectionKey; content: string }[] {
  return PLAN_SECTION_KEYS.filter((key) => sections[key] !== undefined).map((key) => ({
    key,
    content: sections[key] ?? '',
  }));
}

function checkInput(input: Partial<TemplateInput>): void {
  if (input.name !== undefined && input.name.trim() === '')
    throw new InputError('name must not be empty', { field: 'name' });
  for (const [key, content] of Object.entries(input.planSections ?? {})) {
    if (!(PLAN_SECTION_KEYS as readonly string[]).includes(key)) {
      throw new InputError(`planSections/${key} is not a plan section (${PLAN_SECTION_KEYS.join(', ')})`, {
        field: `planSections/${key}`,
      });
    }
    if ((content ?? '').length > MAX_TEXT)
      throw new InputError(`planSections/${key} is at most ${MAX_TEXT} characters`, { field: `planSections/${key}` });
  }
  if ((input.backoutProcedure ?? '').length > MAX_TEXT) {
    throw new InputError(`backoutProcedure is at most ${MAX_TEXT} characters`, { field: 'backoutProcedure' });
  }
}

/**
 * Release templates: the six shipped ones (one per release element) and the organisation's own.
 * A release always starts from one: its plan sections, extra required tests, back-out procedure
 * and rollout strategy are copied in at creation (later template edits do not reach into
 * existing releases: a release is judged by what it was planned with).
 */
export class ReleaseTemplateService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** Seeds the shipped templates on a database that has none (first start). */
  async ensureBuiltins(actor: Actor): Promise<void> {
    if ((await releaseTemplateRepository.countBuiltin(this.db)) > 0) return;
    await this.db.transaction().execute(async (tx) => {
      if ((await releaseTemplateRepository.countBuiltin(tx)) > 0) return;
      const now = isoNow(this.clock);
      for (const t of BUILTIN_TEMPLATES) {
        if (await releaseTemplateRepository.findByName(tx, t.name)) continue;
        const row = await releaseTemplateRepository.insert(tx, {
          name: t.name,
          element: t.element,
          description: t.description,
          plan_sections: writeJson(storedSections(t.planSections)),
          required_tests: writeJson(t.requiredTests),
          backout_procedure: t.backoutProcedure,
          rollout_strategy: t.rolloutStrategy,
          builtin: 1,
          active: 1,
          created_by: actor.username,
          created_at: now,
          updated_at: now,
          version: 1,
        });
        await this.audit.record(tx, actor, {
          action: 'release_template.create',
          objectType: 'release_template',
          objectId: row.id,
          after: toTemplate(row),
        });
      }
    });
  }

  async get(id: number, db: Db = this.db): Promise<ReleaseTemplate> {
    const row = await releaseTemplateRepository.findById(db, id);
    if (!row) throw new NotFoundError('release template', id);
    return toTemplate(row);
  }

  /** The shipped template of an element, the default start of a release. */
  async defaultFor(element: ReleaseElement, db: Db = this.db): Promise<ReleaseTemplate | undefined> {
    const row = await releaseTemplateRepository.builtinFor(db, element);
    return row ? toTemplate(row) : undefined;
  }

  async list(filter: { element?: string | undefined; afterId?: number | undefined; limit: number }) {
    return (await releaseTemplateRepository.list(this.db, filter)).map(toTemplate);
  }

  async create(actor: Actor, input: TemplateInput): Promise<ReleaseTemplate> {
    checkInput(input);
    return this.db.transaction().execute(async (tx) => {
      if (await releaseTemplateRepository.findByName(tx, input.name.trim())) {
        throw new ConflictError(`A release template named "${input.name.trim()}" exists`, { field: 'name' });
      }
      const now = isoNow(this.clock);
      const row = await releaseTemplateRepository.insert(tx, {
        name: input.name.trim(),
        element: input.element,
        description: input.description ?? '',
        plan_sections: writeJson(storedSections(input.planSections ?? {})),
        required_tests: writeJson(input.requiredTests ?? {}),
        backout_procedure: input.backoutProcedure ?? '',
        rollout_strategy: input.rolloutStrategy,
        builtin: 0,
        active: 1,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const template = toTemplate(row);
      await this.audit.record(tx, actor, {
        action: 'release_template.create',
        objectType: 'release_template',
        objectId: row.id,
        after: template,
      });
      return template;
    });
  }

  async update(actor: Actor, id: number, patch: TemplatePatch, expectedVersion?: number): Promise<ReleaseTemplate> {
    checkInput(patch);
    return this.db.transaction().execute(async (tx) => {
      const row = await releaseTemplateRepository.findById(tx, id);
      if (!row) throw new NotFoundError('release template', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('release template', id, expectedVersion, row.version);
      }
      if (patch.name !== undefined && patch.name.trim() !== row.name) {
        if (await releaseTemplateRepository.findByName(tx, patch.name.trim())) {
          throw new ConflictError(`A release template named "${patch.name.trim()}" exists`, { field: 'name' });
        }
      }
      const before = toTemplate(row);
      const sections =
        patch.planSections === undefined
          ? undefined
          : {
              ...Object.fromEntries(before.planSections.filter((s) => s.content !== '').map((s) => [s.key, s.content])),
              ...patch.planSections,
            };
      const updated = await releaseTemplateRepository.update(tx, id, row.version, {
        ...(patch.name !== undefined && { name: patch.name.trim() }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(sections !== undefined && { plan_sections: writeJson(storedSections(sections)) }),
        ...(patch.requiredTests !== undefined && { required_tests: writeJson(patch.requiredTests) }),
        ...(patch.backoutProcedure !== undefined && { backout_procedure: patch.backoutProcedure }),
        ...(patch.rolloutStrategy !== undefined && { rollout_strategy: patch.rolloutStrategy }),
        ...(patch.active !== undefined && { active: patch.active ? 1 : 0 }),
        updated_at: isoNow(this.clock),
      });
      if (!updated) {
        throw new ConflictError(`Release template ${id} was changed by someone else at the same moment: reload it`);
      }
      const after = toTemplate(updated);
      await this.audit.record(tx, actor, {
        action: 'release_template.update',
        objectType: 'release_template',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }
}
