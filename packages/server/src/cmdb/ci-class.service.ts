import {
  ATTRIBUTE_NAME_PATTERN,
  ATTRIBUTE_TYPES,
  type AttributeDefinition,
  BUILTIN_CI_CLASSES,
  CI_CLASS_NAME_PATTERN,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { type CiClass, ciClassRepository, toCiClass } from './ci-class.repository.js';
import { writeJson } from './json-column.js';

export interface CreateClassInput {
  name: string;
  label?: string | undefined;
  description?: string | undefined;
  attributes?: AttributeDefinition[] | undefined;
}

function checkAttributeDefinitions(definitions: readonly AttributeDefinition[]): void {
  const seen = new Set<string>();
  definitions.forEach((definition, i) => {
    if (!ATTRIBUTE_NAME_PATTERN.test(definition.name)) {
      throw new InputError(`attributes/${i}/name "${definition.name}" must be lower-case letters, digits and _`, {
        field: `attributes/${i}/name`,
      });
    }
    if (seen.has(definition.name)) {
      throw new InputError(`attribute "${definition.name}" is defined twice`, { field: `attributes/${i}/name` });
    }
    seen.add(definition.name);
    if (!(ATTRIBUTE_TYPES as readonly string[]).includes(definition.type)) {
      throw new InputError(`attributes/${i}/type must be one of ${ATTRIBUTE_TYPES.join(', ')}`, {
        field: `attributes/${i}/type`,
      });
    }
    if (definition.type === 'enum' && (!definition.values || definition.values.length === 0)) {
      throw new InputError(`attribute "${definition.name}" is an enum and needs values`, {
        field: `attributes/${i}/values`,
      });
    }
  });
}

/** The catalogue of CI classes and their attribute schemas. */
export class CiClassService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** Inserts the built-in classes that are missing (first start, or a new built-in in an upgrade). */
  async ensureBuiltins(): Promise<void> {
    const existing = new Set((await ciClassRepository.all(this.db)).map((c) => c.name));
    const missing = BUILTIN_CI_CLASSES.filter((c) => !existing.has(c.name));
    if (missing.length === 0) return;
    const now = isoNow(this.clock);
    await this.db.transaction().execute(async (tx) => {
      for (const c of missing) {
        if (await ciClassRepository.find(tx, c.name)) continue;
        await ciClassRepository.insert(tx, {
          name: c.name,
          label: c.label,
          description: c.description,
          attributes: writeJson(c.attributes),
          builtin: 1,
          created_at: now,
          updated_at: now,
          version: 1,
        });
      }
    });
  }

  async list(db: Db = this.db): Promise<CiClass[]> {
    return (await ciClassRepository.all(db)).map(toCiClass);
  }

  async get(name: string, db: Db = this.db): Promise<CiClass> {
    const row = await ciClassRepository.find(db, name);
    if (!row) throw new NotFoundError('CI class', name);
    return toCiClass(row);
  }

  /** The class, or an InputError naming the known classes (for CI writes that name a class). */
  async require(name: string, db: Db = this.db): Promise<CiClass> {
    const row = await ciClassRepository.find(db, name);
    if (row) return toCiClass(row);
    const known = (await ciClassRepository.all(db)).map((c) => c.name);
    throw new InputError(`Unknown CI class "${name}" (known: ${known.join(', ')})`, { field: 'class' });
  }

  async create(actor: Actor, input: CreateClassInput): Promise<CiClass> {
    if (!CI_CLASS_NAME_PATTERN.test(input.name)) {
      throw new InputError('Class name must be 2–63 lower-case letters, digits and _, starting with a letter', {
        field: 'name',
      });
    }
    const attributes = input.attributes ?? [];
    checkAttributeDefinitions(attributes);
    const now = isoNow(this.clock);
    return this.db.transaction().execute(async (tx) => {
      if (await ciClassRepository.find(tx, input.name))
        throw new ConflictError(`CI class "${input.name}" already exists`);
      const row = await ciClassRepository.insert(tx, {
        name: input.name,
        label: input.label ?? input.name,
        description: input.description ?? '',
        attributes: writeJson(attributes),
        builtin: 0,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const created = toCiClass(row);
      await this.audit.record(tx, actor, {
        action: 'ci_class.create',
        objectType: 'ci_class',
        objectId: created.name,
        after: created,
      });
      return created;
    });
  }

  /**
   * Adds attributes to a class, or changes label/description. Existing attributes cannot be
   * removed or retyped here: CIs already hold values of that type.
   */
  async update(
    actor: Actor,
    name: string,
    input: {
      label?: string | undefined;
      description?: string | undefined;
      addAttributes?: AttributeDefinition[] | undefined;
    },
    expectedVersion?: number,
  ): Promise<CiClass> {
    return this.db.transaction().execute(async (tx) => {
      const current = await ciClassRepository.find(tx, name);
      if (!current) throw new NotFoundError('CI class', name);
      const version = expectedVersion ?? current.version;
      if (version !== current.version) throw new StaleVersionError('CI class', name, version, current.version);
      const before = toCiClass(current);
      const added = input.addAttributes ?? [];
      const clash = added.find((a) => before.attributes.some((b) => b.name === a.name));
      if (clash)
        throw new ConflictError(`Class ${name} already has an attribute "${clash.name}"`, { field: 'addAttributes' });
      const attributes = [...before.attributes, ...added];
      checkAttributeDefinitions(attributes);
      const row = await ciClassRepository.update(tx, name, version, {
        ...(input.label !== undefined && { label: input.label }),
        ...(input.description !== undefined && { description: input.description }),
        attributes: writeJson(attributes),
        updated_at: isoNow(this.clock),
      });
      if (!row) throw new StaleVersionError('CI class', name, version, version + 1);
      const after = toCiClass(row);
      await this.audit.record(tx, actor, {
        action: 'ci_class.update',
        objectType: 'ci_class',
        objectId: name,
        before,
        after,
      });
      return after;
    });
  }
}
