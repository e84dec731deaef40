import { isRelationshipType, RELATIONSHIP_TYPE_NAMES, RELATIONSHIP_TYPES, type RelationshipType } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError } from '../platform/errors.js';
import { type CiRef, ciRepository } from './ci.repository.js';
import type { WriteContext } from './ci.service.js';
import { graphChangeRepository } from './graph/graph.repository.js';
import { historyRepository, historyRow } from './history.repository.js';
import type { ImpactService } from './impact.service.js';
import {
  type Relationship,
  type RelationshipListFilter,
  relationshipRepository,
  toRelationship,
} from './relationship.repository.js';

export interface RelationshipInput {
  sourceId: number;
  type: string;
  targetId: number;
}

/** A relationship with both ends named, as the API returns it. */
export interface RelationshipView extends Relationship {
  source: CiRef;
  target: CiRef;
  /** The type's name read from the target's side, e.g. `hosts`. */
  inverse: string;
}

export function checkRelationshipType(type: string): RelationshipType {
  if (!isRelationshipType(type)) {
    throw new InputError(`Unknown relationship type "${type}" (known: ${RELATIONSHIP_TYPE_NAMES.join(', ')})`, {
      field: 'type',
    });
  }
  return type;
}

/** Typed, directed relationships between CIs, from the closed catalogue. */
export class RelationshipService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly impact: ImpactService,
  ) {}

  async get(id: number): Promise<RelationshipView> {
    const row = await relationshipRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('relationship', id);
    return (await this.#views([toRelationship(row)]))[0] as RelationshipView;
  }

  async list(filter: RelationshipListFilter): Promise<RelationshipView[]> {
    const rows = await relationshipRepository.list(this.db, filter);
    return this.#views(rows.map(toRelationship));
  }

  async create(actor: Actor, input: RelationshipInput, context: WriteContext = null): Promise<RelationshipView> {
    const type = checkRelationshipType(input.type);
    if (input.sourceId === input.targetId) {
      throw new InputError('A CI cannot be related to itself (sourceId equals targetId)', { field: 'targetId' });
    }
    const created = await this.db.transaction().execute(async (tx) => {
      const [source, target] = await Promise.all([
        ciRepository.findById(tx, input.sourceId),
        ciRepository.findById(tx, input.targetId),
      ]);
      const missing = [!source && `sourceId ${input.sourceId}`, !target && `targetId ${input.targetId}`].filter(
        Boolean,
      );
      if (missing.length > 0 || !source || !target) {
        throw new InputError(`No CI with ${missing.join(' or ')}`, { field: !source ? 'sourceId' : 'targetId' });
      }
      const existing = await relationshipRepository.findEdge(tx, source.id, type, target.id);
      if (existing) {
        throw new ConflictError(
          `${source.class}/${source.name} already ${type} ${target.class}/${target.name} (id ${existing.id})`,
          {
            existingId: existing.id,
          },
        );
      }
      const now = isoNow(this.clock);
      const row = await relationshipRepository.insert(tx, {
        source_id: source.id,
        type,
        target_id: target.id,
        origin: 'manual',
        created_at: now,
        last_seen_at: null,
      });
      const relationship = toRelationship(row);
      const inverse = RELATIONSHIP_TYPES[type].inverse;
      await historyRepository.insert(tx, [
        historyRow(actor, source.id, now, context, 'relate', {
          [type]: { from: null, to: `${target.class}/${target.name}` },
        }),
        historyRow(actor, target.id, now, context, 'relate', {
          [inverse]: { from: null, to: `${source.class}/${source.name}` },
        }),
      ]);
      await graphChangeRepository.append(tx, [
        { op: 'add', relationship_id: relationship.id, source_id: source.id, type, target_id: target.id, at: now },
      ]);
      await this.audit.record(tx, actor, {
        action: 'relationship.create',
        objectType: 'relationship',
        objectId: relationship.id,
        after: relationship,
      });
      return {
        ...relationship,
        source: { id: source.id, class: source.class, name: source.name },
        target: { id: target.id, class: target.class, name: target.name },
        inverse,
      };
    });
    await this.impact.sync();
    return created;
  }

  async delete(actor: Actor, id: number, context: WriteContext = null): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await relationshipRepository.findById(tx, id);
      if (!row) throw new NotFoundError('relationship', id);
      const relationship = toRelationship(row);
      const [view] = await this.#views([relationship], tx);
      const now = isoNow(this.clock);
      await relationshipRepository.delete(tx, id);
      if (view) {
        await historyRepository.insert(tx, [
          historyRow(actor, view.sourceId, now, context, 'unrelate', {
            [view.type]: { from: `${view.target.class}/${view.target.name}`, to: null },
          }),
          historyRow(actor, view.targetId, now, context, 'unrelate', {
            [view.inverse]: { from: `${view.source.class}/${view.source.name}`, to: null },
          }),
        ]);
      }
      await graphChangeRepository.append(tx, [
        {
          op: 'remove',
          relationship_id: id,
          source_id: row.source_id,
          type: row.type,
          target_id: row.target_id,
          at: now,
        },
      ]);
      await this.audit.record(tx, actor, {
        action: 'relationship.delete',
        objectType: 'relationship',
        objectId: id,
        before: relationship,
      });
    });
    await this.impact.sync();
  }

  async #views(relationships: Relationship[], db: Db = this.db): Promise<RelationshipView[]> {
    const ids = [...new Set(relationships.flatMap((r) => [r.sourceId, r.targetId]))];
    const refs = new Map((await ciRepository.refsByIds(db, ids)).map((r) => [r.id, r]));
    const unknown = (id: number): CiRef => ({ id, class: '', name: '' });
    return relationships.map((r) => ({
      ...r,
      source: refs.get(r.sourceId) ?? unknown(r.sourceId),
      target: refs.get(r.targetId) ?? unknown(r.targetId),
      inverse: isRelationshipType(r.type) ? RELATIONSHIP_TYPES[r.type].inverse : r.type,
    }));
  }
}
