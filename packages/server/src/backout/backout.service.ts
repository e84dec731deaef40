import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { InputError, NotFoundError } from '../platform/errors.js';
import { type BackoutProcedureRow, type BackoutRehearsalRow, backoutRepository } from './backout.repository.js';

export const REHEARSAL_OUTCOMES = ['passed', 'failed'] as const;
export type RehearsalOutcome = (typeof REHEARSAL_OUTCOMES)[number];

export interface BackoutRehearsal {
  id: number;
  outcome: RehearsalOutcome;
  environment: string | null;
  notes: string;
  recordedBy: string;
  recordedAt: string;
}

/** One revision of a CI class's general back-out procedure, with its rehearsals. */
export interface BackoutProcedure {
  id: number;
  class: string;
  revision: number;
  /** Whether this is the class's newest revision: the one a back-out runs. */
  current: boolean;
  title: string;
  steps: string;
  createdBy: string;
  createdAt: string;
  rehearsals: BackoutRehearsal[];
  /** The newest rehearsal of this revision, if any. */
  lastRehearsal: { outcome: RehearsalOutcome; at: string } | null;
}

/** What a rollout's back-out step receives for a target of a class (see rollout-engine.ts). */
export interface ClassProcedureText {
  source: string;
  text: string;
}

function toRehearsal(row: BackoutRehearsalRow): BackoutRehearsal {
  return {
    id: row.id,
    outcome: row.outcome as RehearsalOutcome,
    environment: row.environment,
    notes: row.notes,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}

/**
 * The library of general back-out procedures per CI class (ITIL: back-out plans belong to the
 * release, but every class of CI has its general way back, rehearsed like any plan). A procedure
 * is never edited: a change is a new revision, so what a past back-out ran stays readable.
 */
export class BackoutProcedureService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async #views(db: Db, rows: readonly BackoutProcedureRow[]): Promise<BackoutProcedure[]> {
    const rehearsals = await backoutRepository.rehearsalsOf(
      db,
      rows.map((row) => row.id),
    );
    const current = new Map<string, number>();
    for (const row of await backoutRepository.currentOfEveryClass(db)) current.set(row.ci_class, row.id);
    return rows.map((row) => {
      const own = rehearsals.filter((r) => r.procedure_id === row.id).map(toRehearsal);
      const last = own.at(-1);
      return {
        id: row.id,
        class: row.ci_class,
        revision: row.revision,
        current: current.get(row.ci_class) === row.id,
        title: row.title,
        steps: row.steps,
        createdBy: row.created_by,
        createdAt: row.created_at,
        rehearsals: own,
        lastRehearsal: last ? { outcome: last.outcome, at: last.recordedAt } : null,
      };
    });
  }

  async list(filter: { ciClass?: string | undefined; afterId?: number | undefined; limit: number }) {
    return this.#views(this.db, await backoutRepository.list(this.db, filter));
  }

  async get(id: number): Promise<BackoutProcedure> {
    const row = await backoutRepository.find(this.db, id);
    if (!row) throw new NotFoundError('back-out procedure', id);
    return (await this.#views(this.db, [row]))[0] as BackoutProcedure;
  }

  /** Adds the next revision of a class's procedure (the first one is revision 1). */
  async create(actor: Actor, input: { class: string; title: string; steps: string }): Promise<BackoutProcedure> {
    if (input.title.trim() === '') throw new InputError('title must not be blank', { field: 'title' });
    if (input.steps.trim() === '') throw new InputError('steps must not be blank', { field: 'steps' });
    return this.db.transaction().execute(async (tx) => {
      if (!(await backoutRepository.classExists(tx, input.class))) {
        throw new InputError(`No CI class ${input.class}`, { field: 'class' });
      }
      const row = await backoutRepository.insert(tx, {
        ci_class: input.class,
        revision: (await backoutRepository.latestRevision(tx, input.class)) + 1,
        title: input.title.trim(),
        steps: input.steps,
        created_by: actor.username,
        created_at: isoNow(this.clock),
      });
      const view = (await this.#views(tx, [row]))[0] as BackoutProcedure;
      await this.audit.record(tx, actor, {
        action: 'backout_procedure.create',
        objectType: 'backout_procedure',
        objectId: row.id,
        after: { class: view.class, revision: view.revision, title: view.title, steps: view.steps },
      });
      return view;
    });
  }

  /** Records a rehearsal of one revision (a failed one is kept too: it is evidence). */
  async rehearse(
    actor: Actor,
    id: number,
    input: { outcome: RehearsalOutcome; environment?: string | undefined; notes?: string | undefined },
  ): Promise<BackoutProcedure> {
    return this.db.transaction().execute(async (tx) => {
      const row = await backoutRepository.find(tx, id);
      if (!row) throw new NotFoundError('back-out procedure', id);
      const rehearsal = await backoutRepository.insertRehearsal(tx, {
        procedure_id: id,
        outcome: input.outcome,
        environment: input.environment ?? null,
        notes: input.notes ?? '',
        recorded_by: actor.username,
        recorded_at: isoNow(this.clock),
      });
      await this.audit.record(tx, actor, {
        action: 'backout_procedure.rehearse',
        objectType: 'backout_procedure',
        objectId: id,
        after: { revision: row.revision, class: row.ci_class, ...toRehearsal(rehearsal) },
      });
      return (await this.#views(tx, [row]))[0] as BackoutProcedure;
    });
  }

  /**
   * The current procedure of every class, as the texts a back-out step carries (source
   * `class:<name>`), each saying its revision and how its last rehearsal went.
   */
  async classProcedureTexts(): Promise<ClassProcedureText[]> {
    const views = await this.#views(this.db, await backoutRepository.currentOfEveryClass(this.db));
    return views.map((p) => {
      const rehearsed = p.lastRehearsal
        ? `last rehearsal ${p.lastRehearsal.outcome} at ${p.lastRehearsal.at}`
        : 'never rehearsed';
      return { source: `class:${p.class}`, text: `${p.title} (revision ${p.revision}, ${rehearsed})\n${p.steps}` };
    });
  }
}
