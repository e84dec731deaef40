import type { FreezeKind } from '@slipway/model';
import type { Kysely } from 'kysely';
import { ENVIRONMENT_PATTERN } from '../cmdb/ci.service.js';
import { readJson, writeJson } from '../cmdb/json-column.js';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { ciFactsRepository } from './change.repository.js';
import { formatRrule, type Occurrence, occurrencesBetween, parseRrule, recurringWindowProblem } from './recurrence.js';
import {
  type FreezeRow,
  freezeRepository,
  type MaintenanceWindowRow,
  maintenanceWindowRepository,
} from './window.repository.js';
import { type FreezeScope, type ServiceScope, WindowCalendar } from './window-calendar.js';

export interface Freeze {
  id: number;
  name: string;
  description: string;
  kind: FreezeKind;
  startsAt: string;
  endsAt: string;
  rrule: string | null;
  timezone: string;
  scope: FreezeScope;
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface FreezeInput {
  name: string;
  description?: string | undefined;
  kind: FreezeKind;
  startsAt: string;
  endsAt: string;
  rrule?: string | null | undefined;
  timezone?: string | undefined;
  scope?: Partial<FreezeScope> | undefined;
  active?: boolean | undefined;
}

export type FreezePatch = Partial<FreezeInput>;

export interface MaintenanceWindow {
  id: number;
  name: string;
  description: string;
  startsAt: string;
  endsAt: string;
  rrule: string | null;
  timezone: string;
  ciIds: number[];
  serviceIds: number[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface MaintenanceWindowInput {
  name: string;
  description?: string | undefined;
  startsAt: string;
  endsAt: string;
  rrule?: string | null | undefined;
  timezone?: string | undefined;
  ciIds?: number[] | undefined;
  serviceIds?: number[] | undefined;
}

export type MaintenanceWindowPatch = Partial<MaintenanceWindowInput>;

export function toFreeze(row: FreezeRow): Freeze {
  const scope = readJson<Partial<FreezeScope>>(row.scope);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind as FreezeKind,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    rrule: row.rrule,
    timezone: row.timezone,
    scope: {
      environments: scope.environments ?? [],
      ciClasses: scope.ciClasses ?? [],
      ciIds: scope.ciIds ?? [],
      serviceIds: scope.serviceIds ?? [],
    },
    active: row.active === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export function toMaintenanceWindow(row: MaintenanceWindowRow): MaintenanceWindow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    rrule: row.rrule,
    timezone: row.timezone,
    ciIds: readJson<number[]>(row.ci_ids),
    serviceIds: readJson<number[]>(row.service_ids),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

/** ISO-8601 UTC from any date-time with an offset; refuses what is not one. */
export function normaliseInstant(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) {
    throw new InputError(`${field} must be an ISO-8601 date-time, e.g. 2026-12-15T00:00:00Z`, { field });
  }
  return new Date(ms).toISOString();
}

interface WindowFields {
  startsAt: string;
  endsAt: string;
  rrule: string | null;
  timezone: string;
}

function checkWindow(fields: WindowFields): WindowFields {
  const startsAt = normaliseInstant(fields.startsAt, 'startsAt');
  const endsAt = normaliseInstant(fields.endsAt, 'endsAt');
  let rrule: string | null = null;
  if (fields.rrule !== null && fields.rrule.trim() !== '') {
    const problem = recurringWindowProblem({ startsAt, endsAt, rrule: fields.rrule, timeZone: fields.timezone });
    if (problem) throw new InputError(`${problem.field}: ${problem.message}`, { field: problem.field });
    rrule = formatRrule(parseRrule(fields.rrule));
  }
  const problem = recurringWindowProblem({ startsAt, endsAt, rrule, timeZone: fields.timezone });
  if (problem) throw new InputError(`${problem.field}: ${problem.message}`, { field: problem.field });
  return { startsAt, endsAt, rrule, timezone: fields.timezone };
}

function checkName(name: string, description: string): void {
  if (name.trim().length === 0 || name.length > 200)
    throw new InputError('name must be 1–200 characters', { field: 'name' });
  if (description.length > 4000)
    throw new InputError('description is at most 4000 characters', { field: 'description' });
}

/** Freeze (blackout) windows and maintenance windows: CRUD, occurrences, and the schedule snapshot. */
export class FreezeService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly services: ServiceScope,
  ) {}

  async #checkScope(db: Db, scope: Partial<FreezeScope>): Promise<FreezeScope> {
    const environments = [...new Set(scope.environments ?? [])];
    for (const env of environments) {
      if (!ENVIRONMENT_PATTERN.test(env)) {
        throw new InputError(`scope.environments: "${env}" is not an environment name`, {
          field: 'scope.environments',
        });
      }
    }
    const ciClasses = [...new Set(scope.ciClasses ?? [])];
    if (ciClasses.length > 0) {
      const known = new Set(
        (await db.selectFrom('ci_classes').select('name').where('name', 'in', ciClasses).execute()).map((r) => r.name),
      );
      const unknown = ciClasses.filter((c) => !known.has(c));
      if (unknown.length > 0) {
        throw new InputError(`scope.ciClasses: unknown class ${unknown.join(', ')}`, {
          field: 'scope.ciClasses',
          unknown,
        });
      }
    }
    const ciIds = [...new Set(scope.ciIds ?? [])];
    const serviceIds = [...new Set(scope.serviceIds ?? [])];
    await this.checkCis(db, ciIds, serviceIds, 'scope.');
    return { environments, ciClasses, ciIds, serviceIds };
  }

  /** CIs must exist; services must be CIs of class `service`. */
  async checkCis(db: Db, ciIds: readonly number[], serviceIds: readonly number[], prefix = ''): Promise<void> {
    const facts = new Map((await ciFactsRepository.byIds(db, [...ciIds, ...serviceIds])).map((f) => [f.id, f]));
    const missing = ciIds.filter((id) => !facts.has(id));
    if (missing.length > 0) {
      throw new InputError(`${prefix}ciIds: no CI with id ${missing.join(', ')}`, { field: `${prefix}ciIds`, missing });
    }
    const notServices = serviceIds.filter((id) => facts.get(id)?.class !== 'service');
    if (notServices.length > 0) {
      throw new InputError(`${prefix}serviceIds: ${notServices.join(', ')} are not CIs of class service`, {
        field: `${prefix}serviceIds`,
        invalid: notServices,
      });
    }
  }

  // Freezes ---------------------------------------------------------------------------------

  async getFreeze(id: number): Promise<Freeze> {
    const row = await freezeRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('freeze', id);
    return toFreeze(row);
  }

  async listFreezes(filter: {
    kind?: string | undefined;
    active?: boolean | undefined;
    afterId?: number | undefined;
    limit: number;
  }): Promise<Freeze[]> {
    return (await freezeRepository.list(this.db, filter)).map(toFreeze);
  }

  async createFreeze(actor: Actor, input: FreezeInput): Promise<Freeze> {
    const description = input.description ?? '';
    checkName(input.name, description);
    const window = checkWindow({
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      rrule: input.rrule ?? null,
      timezone: input.timezone ?? 'UTC',
    });
    return this.db.transaction().execute(async (tx) => {
      const scope = await this.#checkScope(tx, input.scope ?? {});
      const now = isoNow(this.clock);
      const row = await freezeRepository.insert(tx, {
        name: input.name.trim(),
        description,
        kind: input.kind,
        starts_at: window.startsAt,
        ends_at: window.endsAt,
        rrule: window.rrule,
        timezone: window.timezone,
        scope: writeJson(scope),
        active: input.active === false ? 0 : 1,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const freeze = toFreeze(row);
      await this.audit.record(tx, actor, {
        action: 'freeze.create',
        objectType: 'freeze',
        objectId: freeze.id,
        after: freeze,
      });
      return freeze;
    });
  }

  async updateFreeze(actor: Actor, id: number, patch: FreezePatch, expectedVersion?: number): Promise<Freeze> {
    return this.db.transaction().execute(async (tx) => {
      const row = await freezeRepository.findById(tx, id);
      if (!row) throw new NotFoundError('freeze', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('freeze', id, expectedVersion, row.version);
      }
      const before = toFreeze(row);
      const name = patch.name ?? before.name;
      const description = patch.description ?? before.description;
      checkName(name, description);
      const window = checkWindow({
        startsAt: patch.startsAt ?? before.startsAt,
        endsAt: patch.endsAt ?? before.endsAt,
        rrule: patch.rrule === undefined ? before.rrule : patch.rrule,
        timezone: patch.timezone ?? before.timezone,
      });
      const scope = patch.scope ? await this.#checkScope(tx, { ...before.scope, ...patch.scope }) : before.scope;
      const updated = await freezeRepository.update(tx, id, row.version, {
        name: name.trim(),
        description,
        kind: patch.kind ?? before.kind,
        starts_at: window.startsAt,
        ends_at: window.endsAt,
        rrule: window.rrule,
        timezone: window.timezone,
        scope: writeJson(scope),
        active: (patch.active ?? before.active) ? 1 : 0,
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('freeze', id, row.version, row.version + 1);
      const after = toFreeze(updated);
      await this.audit.record(tx, actor, {
        action: 'freeze.update',
        objectType: 'freeze',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }

  async deleteFreeze(actor: Actor, id: number, expectedVersion?: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await freezeRepository.findById(tx, id);
      if (!row) throw new NotFoundError('freeze', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('freeze', id, expectedVersion, row.version);
      }
      await freezeRepository.delete(tx, id);
      await this.audit.record(tx, actor, {
        action: 'freeze.delete',
        objectType: 'freeze',
        objectId: id,
        before: toFreeze(row),
      });
    });
  }

  /** Occurrences of one freeze overlapping [from, to). */
  async freezeOccurrences(id: number, from: string, to: string): Promise<Occurrence[]> {
    const freeze = await this.getFreeze(id);
    return occurrencesBetween(
      { startsAt: freeze.startsAt, endsAt: freeze.endsAt, rrule: freeze.rrule, timeZone: freeze.timezone },
      Date.parse(from),
      Date.parse(to),
      1000,
    );
  }

  // Maintenance windows -----------------------------------------------------------------------

  async getMaintenanceWindow(id: number): Promise<MaintenanceWindow> {
    const row = await maintenanceWindowRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('maintenance window', id);
    return toMaintenanceWindow(row);
  }

  async listMaintenanceWindows(filter: { afterId?: number | undefined; limit: number }): Promise<MaintenanceWindow[]> {
    return (await maintenanceWindowRepository.list(this.db, filter)).map(toMaintenanceWindow);
  }

  async createMaintenanceWindow(actor: Actor, input: MaintenanceWindowInput): Promise<MaintenanceWindow> {
    const description = input.description ?? '';
    checkName(input.name, description);
    const ciIds = [...new Set(input.ciIds ?? [])];
    const serviceIds = [...new Set(input.serviceIds ?? [])];
    if (ciIds.length + serviceIds.length === 0) {
      throw new InputError('A maintenance window needs at least one CI (ciIds) or service (serviceIds)', {
        field: 'ciIds',
      });
    }
    const window = checkWindow({
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      rrule: input.rrule ?? null,
      timezone: input.timezone ?? 'UTC',
    });
    return this.db.transaction().execute(async (tx) => {
      await this.checkCis(tx, ciIds, serviceIds);
      const now = isoNow(this.clock);
      const row = await maintenanceWindowRepository.insert(tx, {
        name: input.name.trim(),
        description,
        starts_at: window.startsAt,
        ends_at: window.endsAt,
        rrule: window.rrule,
        timezone: window.timezone,
        ci_ids: writeJson(ciIds),
        service_ids: writeJson(serviceIds),
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const created = toMaintenanceWindow(row);
      await this.audit.record(tx, actor, {
        action: 'maintenance_window.create',
        objectType: 'maintenance_window',
        objectId: created.id,
        after: created,
      });
      return created;
    });
  }

  async updateMaintenanceWindow(
    actor: Actor,
    id: number,
    patch: MaintenanceWindowPatch,
    expectedVersion?: number,
  ): Promise<MaintenanceWindow> {
    return this.db.transaction().execute(async (tx) => {
      const row = await maintenanceWindowRepository.findById(tx, id);
      if (!row) throw new NotFoundError('maintenance window', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('maintenance window', id, expectedVersion, row.version);
      }
      const before = toMaintenanceWindow(row);
      const name = patch.name ?? before.name;
      const description = patch.description ?? before.description;
      checkName(name, description);
      const ciIds = [...new Set(patch.ciIds ?? before.ciIds)];
      const serviceIds = [...new Set(patch.serviceIds ?? before.serviceIds)];
      if (ciIds.length + serviceIds.length === 0) {
        throw new InputError('A maintenance window needs at least one CI (ciIds) or service (serviceIds)', {
          field: 'ciIds',
        });
      }
      await this.checkCis(tx, ciIds, serviceIds);
      const window = checkWindow({
        startsAt: patch.startsAt ?? before.startsAt,
        endsAt: patch.endsAt ?? before.endsAt,
        rrule: patch.rrule === undefined ? before.rrule : patch.rrule,
        timezone: patch.timezone ?? before.timezone,
      });
      const updated = await maintenanceWindowRepository.update(tx, id, row.version, {
        name: name.trim(),
        description,
        starts_at: window.startsAt,
        ends_at: window.endsAt,
        rrule: window.rrule,
        timezone: window.timezone,
        ci_ids: writeJson(ciIds),
        service_ids: writeJson(serviceIds),
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('maintenance window', id, row.version, row.version + 1);
      const after = toMaintenanceWindow(updated);
      await this.audit.record(tx, actor, {
        action: 'maintenance_window.update',
        objectType: 'maintenance_window',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }

  async deleteMaintenanceWindow(actor: Actor, id: number, expectedVersion?: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await maintenanceWindowRepository.findById(tx, id);
      if (!row) throw new NotFoundError('maintenance window', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('maintenance window', id, expectedVersion, row.version);
      }
      await maintenanceWindowRepository.delete(tx, id);
      await this.audit.record(tx, actor, {
        action: 'maintenance_window.delete',
        objectType: 'maintenance_window',
        objectId: id,
        before: toMaintenanceWindow(row),
      });
    });
  }

  /** A snapshot of every active freeze and maintenance window, to judge schedules against. */
  async calendar(db: Db = this.db): Promise<WindowCalendar> {
    const [freezes, maintenance] = await Promise.all([
      freezeRepository.listActive(db),
      maintenanceWindowRepository.listAll(db),
    ]);
    return new WindowCalendar(
      freezes.map(toFreeze).map((f) => ({
        id: f.id,
        name: f.name,
        kind: f.kind,
        window: { startsAt: f.startsAt, endsAt: f.endsAt, rrule: f.rrule, timeZone: f.timezone },
        scope: f.scope,
      })),
      maintenance.map(toMaintenanceWindow).map((m) => ({
        id: m.id,
        name: m.name,
        window: { startsAt: m.startsAt, endsAt: m.endsAt, rrule: m.rrule, timeZone: m.timezone },
        ciIds: m.ciIds,
        serviceIds: m.serviceIds,
      })),
      this.services,
    );
  }
}
