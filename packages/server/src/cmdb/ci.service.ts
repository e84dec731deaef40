import { CI_STATUSES, CRITICALITIES } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { diffRecords, validateAttributes } from './attribute-validation.js';
import { type Ci, type CiListFilter, ciRepository, toCi } from './ci.repository.js';
import type { CiClassService } from './ci-class.service.js';
import { graphChangeRepository } from './graph/graph.repository.js';
import { type HistoryEntry, historyRepository, historyRow, toHistoryEntry } from './history.repository.js';
import type { ImpactService } from './impact.service.js';
import { writeJson } from './json-column.js';
import { relationshipRepository } from './relationship.repository.js';

export const ENVIRONMENT_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_NAME = 255;

export interface CiInput {
  class: string;
  name: string;
  status?: string | undefined;
  environment?: string | null | undefined;
  owner?: string | null | undefined;
  criticality?: string | null | undefined;
  attributes?: Record<string, unknown> | undefined;
}

export interface CiPatch {
  name?: string | undefined;
  status?: string | undefined;
  environment?: string | null | undefined;
  owner?: string | null | undefined;
  criticality?: string | null | undefined;
  /** Merged into the current attributes; a null value removes the attribute. */
  attributes?: Record<string, unknown> | undefined;
}

/** Under what a CMDB write happens, recorded in each CI's history: `change:12`, `release:3`, `import:discovery`. */
export type WriteContext = string | null;

/** Checks the plain fields shared by create, update and import; throws InputError naming the field. */
export function checkCiFields(fields: {
  name?: string | undefined;
  status?: string | undefined;
  environment?: string | null | undefined;
  criticality?: string | null | undefined;
  owner?: string | null | undefined;
}): void {
  if (fields.name !== undefined) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (fields.name.trim() === '' || fields.name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(fields.name)) {
      throw new InputError(`name must be 1–${MAX_NAME} printable characters`, { field: 'name' });
    }
  }
  if (fields.status !== undefined && !(CI_STATUSES as readonly string[]).includes(fields.status)) {
    throw new InputError(`status must be one of: ${CI_STATUSES.join(', ')}`, { field: 'status' });
  }
  if (
    fields.environment !== undefined &&
    fields.environment !== null &&
    !ENVIRONMENT_PATTERN.test(fields.environment)
  ) {
    throw new InputError('environment must be lower-case letters, digits, _ or -, e.g. production', {
      field: 'environment',
    });
  }
  if (
    fields.criticality !== undefined &&
    fields.criticality !== null &&
    !(CRITICALITIES as readonly string[]).includes(fields.criticality)
  ) {
    throw new InputError(`criticality must be one of: ${CRITICALITIES.join(', ')}`, { field: 'criticality' });
  }
  if (fields.owner !== undefined && fields.owner !== null && (fields.owner.length === 0 || fields.owner.length > 200)) {
    throw new InputError('owner must be 1–200 characters', { field: 'owner' });
  }
}

function attributeProblemsToError(className: string, problems: { attribute: string; message: string }[]): InputError {
  const first = problems[0] as { attribute: string; message: string };
  return new InputError(`attributes/${first.attribute} ${first.message}`, {
    field: `attributes/${first.attribute}`,
    class: className,
    problems,
  });
}

/** The public fields of a CI that history and diffs compare. */
function comparable(ci: Ci): Record<string, unknown> {
  return {
    name: ci.name,
    status: ci.status,
    environment: ci.environment,
    owner: ci.owner,
    criticality: ci.criticality,
    ...Object.fromEntries(Object.entries(ci.attributes).map(([k, v]) => [`attributes.${k}`, v])),
  };
}

/** Configuration items: create, read, update, retire, delete, history. Every write is audited. */
export class CiService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly classes: CiClassService,
    private readonly impact: ImpactService,
  ) {}

  async get(id: number, db: Db = this.db): Promise<Ci> {
    const row = await ciRepository.findById(db, id);
    if (!row) throw new NotFoundError('CI', id);
    return toCi(row);
  }

  async findByRef(ciClass: string, name: string): Promise<Ci | undefined> {
    const row = await ciRepository.findByRef(this.db, ciClass, name);
    return row ? toCi(row) : undefined;
  }

  async list(filter: CiListFilter): Promise<Ci[]> {
    return (await ciRepository.list(this.db, filter)).map(toCi);
  }

  /** CIs matching a filter, in total and by class. */
  async count(
    filter: Omit<CiListFilter, 'afterId' | 'limit'>,
  ): Promise<{ total: number; byClass: { class: string; count: number }[] }> {
    const byClass = (await ciRepository.countMatching(this.db, filter)).sort(
      (a, b) => b.count - a.count || a.class.localeCompare(b.class),
    );
    return { total: byClass.reduce((sum, c) => sum + c.count, 0), byClass };
  }

  async create(actor: Actor, input: CiInput, context: WriteContext = null): Promise<Ci> {
    checkCiFields(input);
    const attributes = input.attributes ?? {};
    const created = await this.db.transaction().execute(async (tx) => {
      const ciClass = await this.classes.require(input.class, tx);
      const problems = validateAttributes(ciClass.name, ciClass.attributes, attributes);
      if (problems.length > 0) throw attributeProblemsToError(ciClass.name, problems);
      const existing = await ciRepository.findByRef(tx, input.class, input.name);
      if (existing) {
        throw new ConflictError(`A ${input.class} named "${input.name}" already exists (id ${existing.id})`, {
          existingId: existing.id,
        });
      }
      const now = isoNow(this.clock);
      const row = await ciRepository.insert(tx, {
        class: input.class,
        name: input.name,
        status: input.status ?? 'active',
        environment: input.environment ?? null,
        owner: input.owner ?? null,
        criticality: input.criticality ?? null,
        attributes: writeJson(attributes),
        source: null,
        last_seen_at: null,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const ci = toCi(row);
      await historyRepository.insert(tx, [
        historyRow(actor, ci.id, now, context, 'create', diffRecords({}, comparable(ci))),
      ]);
      await graphChangeRepository.append(tx, [{ op: 'ci', source_id: ci.id, type: ci.class, at: now }]);
      await this.audit.record(tx, actor, { action: 'ci.create', objectType: 'ci', objectId: ci.id, after: ci });
      return ci;
    });
    await this.impact.sync();
    return created;
  }

  async update(
    actor: Actor,
    id: number,
    patch: CiPatch,
    expectedVersion?: number,
    context: WriteContext = null,
  ): Promise<Ci> {
    checkCiFields(patch);
    return this.db.transaction().execute(async (tx) => {
      const currentRow = await ciRepository.findById(tx, id);
      if (!currentRow) throw new NotFoundError('CI', id);
      const current = toCi(currentRow);
      const version = expectedVersion ?? current.version;
      if (version !== current.version) throw new StaleVersionError('CI', id, version, current.version);
      const attributes = { ...current.attributes };
      for (const [key, value] of Object.entries(patch.attributes ?? {})) {
        if (value === null) delete attributes[key];
        else attributes[key] = value;
      }
      if (patch.attributes) {
        const ciClass = await this.classes.require(current.class, tx);
        const problems = validateAttributes(ciClass.name, ciClass.attributes, attributes);
        if (problems.length > 0) throw attributeProblemsToError(ciClass.name, problems);
      }
      if (patch.name !== undefined && patch.name !== current.name) {
        const clash = await ciRepository.findByRef(tx, current.class, patch.name);
        if (clash) throw new ConflictError(`A ${current.class} named "${patch.name}" already exists (id ${clash.id})`);
      }
      const now = isoNow(this.clock);
      const row = await ciRepository.update(tx, id, version, {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.environment !== undefined && { environment: patch.environment }),
        ...(patch.owner !== undefined && { owner: patch.owner }),
        ...(patch.criticality !== undefined && { criticality: patch.criticality }),
        attributes: writeJson(attributes),
        updated_at: now,
      });
      if (!row) {
        // Another writer committed between our read and this conditional update (PostgreSQL,
        // read committed). 412 answers only a precondition the client set; without If-Match the
        // race is a 409 to reload and retry, as for changes.
        if (expectedVersion !== undefined) throw new StaleVersionError('CI', id, version, version + 1);
        const latest = await ciRepository.findById(tx, id);
        throw new ConflictError(`CI ${id} was changed by someone else at the same moment: reload it and retry`, {
          currentVersion: latest?.version ?? null,
        });
      }
      const updated = toCi(row);
      const changes = diffRecords(comparable(current), comparable(updated));
      if (Object.keys(changes).length > 0) {
        const action = patch.status === 'retired' && current.status !== 'retired' ? 'retire' : 'update';
        await historyRepository.insert(tx, [historyRow(actor, id, now, context, action, changes)]);
        await this.audit.record(tx, actor, {
          action: `ci.${action}`,
          objectType: 'ci',
          objectId: id,
          before: current,
          after: updated,
        });
      }
      return updated;
    });
  }

  /** Retiring keeps the CI, its relationships and its history; the CI simply stops being live. */
  async retire(actor: Actor, id: number, expectedVersion?: number, context: WriteContext = null): Promise<Ci> {
    return this.update(actor, id, { status: 'retired' }, expectedVersion, context);
  }

  /**
   * Deletes a CI that nothing relates to (a mistaken entry). A CI with relationships is part of
   * the configuration's story: it must be retired instead (409 says so).
   */
  async delete(actor: Actor, id: number, expectedVersion?: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await ciRepository.findById(tx, id);
      if (!row) throw new NotFoundError('CI', id);
      const current = toCi(row);
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new StaleVersionError('CI', id, expectedVersion, current.version);
      }
      const relationships = await relationshipRepository.countForCi(tx, id);
      if (relationships > 0) {
        throw new ConflictError(
          `CI ${current.class}/${current.name} has ${relationships} relationship(s): retire it instead of deleting it`,
          { relationships },
        );
      }
      await ciRepository.delete(tx, id);
      const now = isoNow(this.clock);
      await historyRepository.insert(tx, [
        historyRow(actor, id, now, null, 'delete', diffRecords(comparable(current), {})),
      ]);
      await this.audit.record(tx, actor, { action: 'ci.delete', objectType: 'ci', objectId: id, before: current });
    });
  }

  async history(id: number, beforeId: number | undefined, limit: number): Promise<HistoryEntry[]> {
    await this.get(id);
    return (await historyRepository.listForCi(this.db, id, beforeId, limit)).map(toHistoryEntry);
  }
}
