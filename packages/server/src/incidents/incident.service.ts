import type { IncidentCauseKind, IncidentSeverity } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { hiddenRefs } from '../platform/teams/team-filter.js';
import type { Visibility } from '../platform/teams/team-scope.js';
import { type IncidentListFilter, type IncidentRow, incidentRepository } from './incident.repository.js';

export interface Incident {
  id: number;
  title: string;
  description: string;
  severity: IncidentSeverity;
  startedAt: string;
  resolvedAt: string | null;
  open: boolean;
  /** Minutes from start to resolution; null while open. */
  durationMinutes: number | null;
  /** What caused it: a release or a change, as recorded (null: cause not recorded). */
  cause: { kind: IncidentCauseKind; id: number; title: string } | null;
  causeNote: string | null;
  cis: { id: number; class: string; name: string }[];
  /** Changes whose post-implementation review lists this incident. */
  reviewedInChanges: number[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface IncidentInput {
  title?: string | undefined;
  description?: string | undefined;
  severity?: IncidentSeverity | undefined;
  startedAt?: string | undefined;
  resolvedAt?: string | null | undefined;
  causedByReleaseId?: number | null | undefined;
  causedByChangeId?: number | null | undefined;
  causeNote?: string | null | undefined;
  ciIds?: number[] | undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const MAX_CIS = 200;

function checkText(field: string, value: string | null | undefined, max: number, required: boolean): void {
  if (value === undefined || value === null) return;
  if ((required && value.trim() === '') || value.length > max || CONTROL.test(value)) {
    throw new InputError(`${field} must be ${required ? '1' : '0'}–${max} printable characters`, { field });
  }
}

/** Timestamps are stored in one canonical form so they compare correctly as text (ADR 0003). */
function canonical(field: string, value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InputError(`${field} must be a date-time`, { field });
  return new Date(ms).toISOString();
}

/** The answer to a cause that names nothing (and, by team scoping, to one the caller may not see). */
export function unknownCause(kind: IncidentCauseKind, id: number): InputError {
  const field = kind === 'release' ? 'causedByReleaseId' : 'causedByChangeId';
  return new InputError(`${field}: there is no ${kind} ${id}`, { field });
}

/**
 * Incidents: record, correct, resolve, delete, list. The cause is a release or a change, at most
 * one, and must exist; affected CIs must exist. Every write is audited in its transaction.
 */
export class IncidentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /**
   * Incidents as one caller may see them. An incident is organisation-wide; when its cause is a
   * change or release of a team the caller may not see, the cause keeps its kind and id (what
   * the incident's author recorded) but not its title.
   */
  async forViewer(items: Incident[], visibility: Visibility): Promise<Incident[]> {
    const hidden = await hiddenRefs(
      this.db,
      items.flatMap((i) => (i.cause ? [{ object: i.cause.kind, id: i.cause.id }] : [])),
      visibility,
    );
    if (hidden.size === 0) return items;
    return items.map((i) =>
      i.cause && hidden.has(`${i.cause.kind}:${i.cause.id}`) ? { ...i, cause: { ...i.cause, title: '' } } : i,
    );
  }

  async #require(db: Db, id: number): Promise<IncidentRow> {
    const row = await incidentRepository.find(db, id);
    if (!row) throw new NotFoundError('incident', id);
    return row;
  }

  async #views(db: Db, rows: IncidentRow[]): Promise<Incident[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const cis = await incidentRepository.cisOf(db, ids);
    const links = await incidentRepository.reviewIncidentLinks(db);
    const reviewedIn = new Map<number, number[]>();
    for (const link of links) {
      for (const incidentId of link.incidentIds)
        reviewedIn.set(incidentId, [...(reviewedIn.get(incidentId) ?? []), link.changeId]);
    }
    // One query per kind for the causes of the whole page, never one per incident.
    const causes = new Map<string, string>();
    const releaseIds = [
      ...new Set(rows.flatMap((r) => (r.caused_by_release_id === null ? [] : [r.caused_by_release_id]))),
    ];
    const changeIds = [
      ...new Set(rows.flatMap((r) => (r.caused_by_change_id === null ? [] : [r.caused_by_change_id]))),
    ];
    for (const r of await incidentRepository.releaseRefs(db, releaseIds)) {
      causes.set(`release:${r.id}`, `${r.unit_name} ${r.version_label}: ${r.title}`);
    }
    for (const c of await incidentRepository.changeRefs(db, changeIds)) causes.set(`change:${c.id}`, c.title);
    return rows.map((row) => {
      const cause: Incident['cause'] =
        row.caused_by_release_id !== null
          ? {
              kind: 'release',
              id: row.caused_by_release_id,
              title: causes.get(`release:${row.caused_by_release_id}`) ?? '',
            }
          : row.caused_by_change_id !== null
            ? {
                kind: 'change',
                id: row.caused_by_change_id,
                title: causes.get(`change:${row.caused_by_change_id}`) ?? '',
              }
            : null;
      return {
        id: row.id,
        title: row.title,
        description: row.description,
        severity: row.severity as IncidentSeverity,
        startedAt: row.started_at,
        resolvedAt: row.resolved_at,
        open: row.resolved_at === null,
        durationMinutes:
          row.resolved_at === null
            ? null
            : Math.round((Date.parse(row.resolved_at) - Date.parse(row.started_at)) / 600) / 100,
        cause,
        causeNote: row.cause_note,
        cis: cis.filter((c) => c.incident_id === row.id).map((c) => ({ id: c.id, class: c.class, name: c.name })),
        reviewedInChanges: reviewedIn.get(row.id) ?? [],
        createdBy: row.created_by,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        version: row.version,
      };
    });
  }

  async #view(db: Db, row: IncidentRow): Promise<Incident> {
    return (await this.#views(db, [row]))[0] as Incident;
  }

  /** Checks a whole incident as it would be after the write; returns the canonical values. */
  async #validate(db: Db, merged: Required<Omit<IncidentInput, 'ciIds'>> & { ciIds: number[] }) {
    checkText('title', merged.title, 200, true);
    checkText('description', merged.description, 10_000, false);
    checkText('causeNote', merged.causeNote, 2000, false);
    const startedAt = canonical('startedAt', merged.startedAt as string);
    const now = this.clock.now().getTime();
    // A minute of slack for clocks that disagree a little.
    if (Date.parse(startedAt) > now + 60_000) {
      throw new InputError('startedAt is in the future', { field: 'startedAt' });
    }
    let resolvedAt: string | null = null;
    if (merged.resolvedAt !== null) {
      resolvedAt = canonical('resolvedAt', merged.resolvedAt);
      if (resolvedAt < startedAt) throw new InputError('resolvedAt is before startedAt', { field: 'resolvedAt' });
      if (Date.parse(resolvedAt) > now + 60_000) {
        throw new InputError('resolvedAt is in the future', { field: 'resolvedAt' });
      }
    }
    if (merged.causedByReleaseId !== null && merged.causedByChangeId !== null) {
      throw new InputError('An incident has one recorded cause: a release or a change, not both', {
        field: 'causedByChangeId',
      });
    }
    if (merged.causedByReleaseId !== null && !(await incidentRepository.releaseRef(db, merged.causedByReleaseId))) {
      throw unknownCause('release', merged.causedByReleaseId);
    }
    if (merged.causedByChangeId !== null && !(await incidentRepository.changeRef(db, merged.causedByChangeId))) {
      throw unknownCause('change', merged.causedByChangeId);
    }
    const ciIds = [...new Set(merged.ciIds)];
    if (ciIds.length > MAX_CIS) throw new InputError(`At most ${MAX_CIS} affected CIs`, { field: 'ciIds' });
    const existing = await incidentRepository.existingCiIds(db, ciIds);
    const missing = ciIds.filter((id) => !existing.has(id));
    if (missing.length > 0) {
      throw new InputError(`ciIds: no CI with id ${missing.join(', ')}`, { field: 'ciIds', missing });
    }
    return { startedAt, resolvedAt, ciIds };
  }

  async get(id: number): Promise<Incident> {
    return this.#view(this.db, await this.#require(this.db, id));
  }

  async list(filter: IncidentListFilter): Promise<Incident[]> {
    // Stored instants are canonical UTC text: compare with the bounds in the same form.
    const bounds = {
      ...(filter.from !== undefined && { from: canonical('from', filter.from) }),
      ...(filter.to !== undefined && { to: canonical('to', filter.to) }),
    };
    return this.#views(this.db, await incidentRepository.list(this.db, { ...filter, ...bounds }));
  }

  async create(actor: Actor, input: IncidentInput & { title: string; startedAt: string }): Promise<Incident> {
    return this.db.transaction().execute(async (tx) => {
      const merged = {
        title: input.title,
        description: input.description ?? '',
        severity: input.severity ?? 'major',
        startedAt: input.startedAt,
        resolvedAt: input.resolvedAt ?? null,
        causedByReleaseId: input.causedByReleaseId ?? null,
        causedByChangeId: input.causedByChangeId ?? null,
        causeNote: input.causeNote ?? null,
        ciIds: input.ciIds ?? [],
      };
      const checked = await this.#validate(tx, merged);
      const now = isoNow(this.clock);
      const row = await incidentRepository.insert(tx, {
        title: merged.title.trim(),
        description: merged.description,
        severity: merged.severity,
        started_at: checked.startedAt,
        resolved_at: checked.resolvedAt,
        caused_by_release_id: merged.causedByReleaseId,
        caused_by_change_id: merged.causedByChangeId,
        cause_note: merged.causeNote,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      await incidentRepository.setCis(tx, row.id, checked.ciIds);
      const view = await this.#view(tx, row);
      await this.audit.record(tx, actor, {
        action: 'incident.create',
        objectType: 'incident',
        objectId: row.id,
        after: view,
      });
      return view;
    });
  }

  async update(actor: Actor, id: number, input: IncidentInput, expectedVersion?: number): Promise<Incident> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('incident', id, expectedVersion, row.version);
      }
      const before = await this.#view(tx, row);
      // Setting one cause clears the other: "caused by release 7" replaces "caused by change 3".
      const causedByReleaseId =
        input.causedByReleaseId !== undefined
          ? input.causedByReleaseId
          : input.causedByChangeId !== undefined && input.causedByChangeId !== null
            ? null
            : row.caused_by_release_id;
      const causedByChangeId =
        input.causedByChangeId !== undefined
          ? input.causedByChangeId
          : input.causedByReleaseId !== undefined && input.causedByReleaseId !== null
            ? null
            : row.caused_by_change_id;
      const merged = {
        title: input.title ?? row.title,
        description: input.description ?? row.description,
        severity: input.severity ?? (row.severity as IncidentSeverity),
        startedAt: input.startedAt ?? row.started_at,
        resolvedAt: input.resolvedAt !== undefined ? input.resolvedAt : row.resolved_at,
        causedByReleaseId,
        causedByChangeId,
        causeNote: input.causeNote !== undefined ? input.causeNote : row.cause_note,
        ciIds: input.ciIds ?? before.cis.map((c) => c.id),
      };
      const checked = await this.#validate(tx, merged);
      const updated = await incidentRepository.update(tx, id, row.version, {
        title: merged.title.trim(),
        description: merged.description,
        severity: merged.severity,
        started_at: checked.startedAt,
        resolved_at: checked.resolvedAt,
        caused_by_release_id: merged.causedByReleaseId,
        caused_by_change_id: merged.causedByChangeId,
        cause_note: merged.causeNote,
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('incident', id, row.version, row.version + 1);
      if (input.ciIds !== undefined) await incidentRepository.setCis(tx, id, checked.ciIds);
      const after = await this.#view(tx, updated);
      await this.audit.record(tx, actor, {
        action: 'incident.update',
        objectType: 'incident',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }

  /** Marks the incident resolved (now, or at the given instant); a resolved incident answers 409. */
  async resolve(actor: Actor, id: number, resolvedAt?: string, expectedVersion?: number): Promise<Incident> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('incident', id, expectedVersion, row.version);
      }
      if (row.resolved_at !== null) {
        throw new ConflictError(`Incident ${id} was already resolved at ${row.resolved_at}`, {
          resolvedAt: row.resolved_at,
        });
      }
      const at = resolvedAt === undefined ? isoNow(this.clock) : canonical('resolvedAt', resolvedAt);
      if (at < row.started_at) throw new InputError('resolvedAt is before startedAt', { field: 'resolvedAt' });
      if (Date.parse(at) > this.clock.now().getTime() + 60_000) {
        throw new InputError('resolvedAt is in the future', { field: 'resolvedAt' });
      }
      const before = await this.#view(tx, row);
      const updated = await incidentRepository.update(tx, id, row.version, {
        resolved_at: at,
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('incident', id, row.version, row.version + 1);
      const after = await this.#view(tx, updated);
      await this.audit.record(tx, actor, {
        action: 'incident.resolve',
        objectType: 'incident',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }

  async delete(actor: Actor, id: number, expectedVersion?: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('incident', id, expectedVersion, row.version);
      }
      const before = await this.#view(tx, row);
      if (!(await incidentRepository.delete(tx, id, row.version))) {
        throw new StaleVersionError('incident', id, row.version, row.version + 1);
      }
      await this.audit.record(tx, actor, { action: 'incident.delete', objectType: 'incident', objectId: id, before });
    });
  }
}
