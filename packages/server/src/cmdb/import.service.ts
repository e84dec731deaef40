import { StringDecoder } from 'node:string_decoder';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { canonicalJson } from '../platform/audit/canonical-json.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db, SlipwayDatabase } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { DomainRuleError } from '../platform/errors.js';
import { diffRecords, validateAttributes } from './attribute-validation.js';
import { ciRepository } from './ci.repository.js';
import type { CiClass } from './ci-class.repository.js';
import type { CiClassService } from './ci-class.service.js';
import { BulkGraphDelta } from './graph/bulk-delta.js';
import { graphChangeRepository } from './graph/graph.repository.js';
import type { ImpactService } from './impact.service.js';
import {
  type CreatedEdge,
  ciKey,
  type EdgeRow,
  type ExistingCi,
  type HistoryRowInput,
  importWriter,
  type NewCiRow,
  pruneRelationships,
} from './import.repository.js';
import {
  type CiRecord,
  type ImportRecord,
  isLineError,
  type LineError,
  parseImportLine,
  type RelationshipRecord,
} from './import-parser.js';
import { readJson } from './json-column.js';

/**
 * Lines handled per transaction. Each commit costs an fsync (synchronous=FULL) and an audit entry,
 * so chunks are large; memory per chunk stays a few MB.
 */
const CHUNK_LINES = 20_000;
/** Longest accepted line (bytes); longer lines are reported and skipped. */
const MAX_LINE_BYTES = 1 << 20;
/** Errors listed in the answer; beyond this only counted. */
const MAX_REPORTED_ERRORS = 1000;
/**
 * CI references remembered between chunks (bounded memory: misses go to the database). Sized to
 * hold every CI of a million-CI import (about 130 bytes each): at 500,000 the 1M/5M benchmark
 * spent 10 % of its time looking evicted CIs up again, and took 15 % longer (docs/performance.md).
 */
const REF_CACHE_LIMIT = 1_500_000;
/** Up to this many relationship changes are logged one by one; more become one `reload`. */
const LOG_EACH_LIMIT = 5000;
/** A CI seen again is re-stamped at most this often (re-importing identical data writes nothing). */
const SEEN_REFRESH_MS = 12 * 3_600_000;

/** The `changes` of a `create` history row. */
const NO_CHANGES: Record<string, unknown> = Object.freeze({});
const NO_CHANGES_JSON = canonicalJson(NO_CHANGES);

export const SOURCE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface ImportOptions {
  /** Name of the feed (discovery tool, spreadsheet…); relationships remember it as their origin. */
  source?: string | undefined;
  /** All or nothing: any bad line rejects the whole import. */
  atomic?: boolean | undefined;
  /** Remove relationships of `source` that this import no longer contains (reconciliation). */
  prune?: boolean | undefined;
  /** Called after each chunk, for progress reporting. */
  onProgress?: ((lines: number) => void) | undefined;
}

export interface ImportResult {
  cis: { created: number; updated: number; unchanged: number };
  relationships: { created: number; unchanged: number; pruned: number };
  errors: LineError[];
  errorCount: number;
  lines: number;
  durationMs: number;
}

interface ChunkOutcome {
  ciCreated: number;
  ciUpdated: number;
  ciUnchanged: number;
  relCreated: CreatedEdge[];
  relUnchanged: number;
  ciCreatedIds: { id: number; class: string }[];
}

/** Consecutive lines of the body: `texts[i]` is line `first + i`, or null when that line is too long. */
interface LineBatch {
  first: number;
  texts: (string | null)[];
}

/**
 * Splits a byte stream into numbered lines, refusing overlong ones without buffering them. Lines
 * come in one batch per piece of the body, not one by one: an async generator step per line cost
 * more than splitting the line.
 */
async function* readLines(body: AsyncIterable<Buffer | string>): AsyncGenerator<LineBatch> {
  // A piece of the body may end inside a multi-byte character; the decoder keeps it for the next.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  let skipping = false;
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const batch: LineBatch = { first: line + 1, texts: [] };
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline < 0) break;
      line++;
      if (skipping) {
        skipping = false;
        pending = '';
        batch.texts.push(null);
      } else {
        let full = pending.length === 0 ? text.slice(start, newline) : pending + text.slice(start, newline);
        pending = '';
        if (full.charCodeAt(full.length - 1) === 13) full = full.slice(0, -1);
        batch.texts.push(full);
      }
      start = newline + 1;
    }
    if (!skipping) {
      pending += text.slice(start);
      if (pending.length > MAX_LINE_BYTES) {
        skipping = true;
        pending = '';
      }
    }
    if (batch.texts.length > 0) yield batch;
  }
  pending += decoder.end();
  if (skipping) yield { first: line + 1, texts: [null] };
  else if (pending.length > 0) yield { first: line + 1, texts: [pending] };
}

/**
 * Streaming CMDB import (NDJSON): CIs upserted by class/name, relationships by (source, type,
 * target). Lines are processed in chunks, each its own transaction with its own audit entry
 * (or one transaction for all with `atomic`). Identical data changes nothing and writes no
 * history. The impact index takes the whole import at once when it ends.
 */
export class ImportService {
  constructor(
    private readonly database: SlipwayDatabase,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly classes: CiClassService,
    private readonly impact: ImpactService,
  ) {}

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  async run(actor: Actor, body: AsyncIterable<Buffer | string>, options: ImportOptions = {}): Promise<ImportResult> {
    const started = performance.now();
    const source = options.source ?? null;
    const origin = source ?? 'import';
    const importStartedAt = isoNow(this.clock);
    const result: ImportResult = {
      cis: { created: 0, updated: 0, unchanged: 0 },
      relationships: { created: 0, unchanged: 0, pruned: 0 },
      errors: [],
      errorCount: 0,
      lines: 0,
      durationMs: 0,
    };
    const classes = new Map((await this.classes.list()).map((c) => [c.name, c]));
    const refCache = new Map<string, number>();
    const createdEdges: CreatedEdge[] = [];
    const removedEdges: CreatedEdge[] = [];
    const createdCis: { id: number; class: string }[] = [];
    // The whole import's graph changes, compactly, for this instance's index (see ImpactService).
    const delta = new BulkGraphDelta();
    const startSeq = await graphChangeRepository.latestSeq(this.db);
    const addError = (error: LineError) => {
      result.errorCount++;
      if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push(error);
    };

    const processChunk = async (tx: Db, records: ImportRecord[]) => {
      const outcome = await this.#chunk(
        tx,
        records,
        classes,
        refCache,
        actor,
        source,
        origin,
        importStartedAt,
        options.prune === true,
        addError,
      );
      result.cis.created += outcome.ciCreated;
      result.cis.updated += outcome.ciUpdated;
      result.cis.unchanged += outcome.ciUnchanged;
      result.relationships.created += outcome.relCreated.length;
      result.relationships.unchanged += outcome.relUnchanged;
      if (createdEdges.length <= LOG_EACH_LIMIT) createdEdges.push(...outcome.relCreated);
      if (createdCis.length <= LOG_EACH_LIMIT) createdCis.push(...outcome.ciCreatedIds);
      for (const e of outcome.relCreated) delta.addRelationship(e.sourceId, e.type, e.targetId);
      for (const c of outcome.ciCreatedIds) delta.addCi(c.id, c.class);
      return outcome;
    };

    const auditChunk = (tx: Db, outcome: ChunkOutcome, firstLine: number, lastLine: number) =>
      this.audit.record(tx, actor, {
        action: 'cmdb.import',
        objectType: 'import',
        objectId: source,
        after: {
          source,
          lines: `${firstLine}-${lastLine}`,
          cis: { created: outcome.ciCreated, updated: outcome.ciUpdated, unchanged: outcome.ciUnchanged },
          relationships: { created: outcome.relCreated.length, unchanged: outcome.relUnchanged },
        },
      });

    const chunks = this.#chunks(body, result, addError);
    if (options.atomic) {
      await this.db
        .transaction()
        .execute(async (tx) => {
          let first = 1;
          for await (const records of chunks) {
            const outcome = await processChunk(tx, records);
            await auditChunk(tx, outcome, first, result.lines);
            first = result.lines + 1;
            options.onProgress?.(result.lines);
          }
          if (result.errorCount > 0) throw new AtomicImportRejected();
          if (options.prune && source) removedEdges.push(...(await pruneRelationships(tx, source, importStartedAt)));
          await this.#logGraphChanges(tx, createdCis, createdEdges, result, removedEdges, delta, startSeq);
        })
        .catch((error: unknown) => {
          if (!(error instanceof AtomicImportRejected)) throw error;
        });
      if (result.errorCount > 0) {
        result.errors.sort((a, b) => a.line - b.line);
        throw new DomainRuleError(
          `Atomic import rejected: ${result.errorCount} line(s) have errors; nothing was imported`,
          {
            errors: result.errors,
            errorCount: result.errorCount,
          },
        );
      }
    } else {
      let first = 1;
      let failure: unknown;
      try {
        for await (const records of chunks) {
          await this.db.transaction().execute(async (tx) => {
            const outcome = await processChunk(tx, records);
            await auditChunk(tx, outcome, first, result.lines);
          });
          first = result.lines + 1;
          options.onProgress?.(result.lines);
        }
      } catch (error) {
        // Chunks already committed stay imported: their graph changes are still logged below,
        // so every instance's impact index matches the tables.
        failure = error;
      }
      await this.db.transaction().execute(async (tx) => {
        if (options.prune && source && failure === undefined) {
          removedEdges.push(...(await pruneRelationships(tx, source, importStartedAt)));
          if (removedEdges.length > 0) {
            await this.audit.record(tx, actor, {
              action: 'cmdb.import.prune',
              objectType: 'import',
              objectId: source,
              after: { source, removedRelationships: removedEdges.length },
            });
          }
        }
        await this.#logGraphChanges(tx, createdCis, createdEdges, result, removedEdges, delta, startSeq);
      });
      if (failure !== undefined) {
        await this.impact.sync();
        throw failure;
      }
    }
    result.relationships.pruned = removedEdges.length;
    result.errors.sort((a, b) => a.line - b.line);
    await this.impact.sync();
    result.durationMs = Math.round(performance.now() - started);
    return result;
  }

  /** Groups parsed lines into chunks; parse errors are reported and skipped. */
  async *#chunks(body: AsyncIterable<Buffer | string>, result: ImportResult, addError: (e: LineError) => void) {
    let records: ImportRecord[] = [];
    for await (const { first, texts } of readLines(body)) {
      for (let i = 0; i < texts.length; i++) {
        const line = first + i;
        const text = texts[i] as string | null;
        result.lines = line;
        if (text === null) {
          addError({ line, code: 'LINE_TOO_LONG', message: `Line is longer than ${MAX_LINE_BYTES} bytes` });
          continue;
        }
        const parsed = parseImportLine(text, line);
        if (parsed === undefined) continue;
        if (isLineError(parsed)) addError(parsed);
        else records.push(parsed);
        if (records.length >= CHUNK_LINES) {
          yield records;
          records = [];
        }
      }
    }
    if (records.length > 0) yield records;
  }

  async #chunk(
    tx: Db,
    records: ImportRecord[],
    classes: Map<string, CiClass>,
    refCache: Map<string, number>,
    actor: Actor,
    source: string | null,
    origin: string,
    importStartedAt: string,
    prune: boolean,
    addError: (e: LineError) => void,
  ): Promise<ChunkOutcome> {
    const writer = importWriter(this.database, tx);
    const now = isoNow(this.clock);
    const context = `import:${source ?? 'api'}`;
    const outcome: ChunkOutcome = {
      ciCreated: 0,
      ciUpdated: 0,
      ciUnchanged: 0,
      relCreated: [],
      relUnchanged: 0,
      ciCreatedIds: [],
    };

    // CIs: the last line for a class/name within the chunk wins.
    const ciLines = new Map<string, CiRecord>();
    for (const r of records) {
      if (r.kind !== 'ci') continue;
      const ciClass = classes.get(r.class);
      if (!ciClass) {
        addError({ line: r.line, code: 'UNKNOWN_CLASS', message: `Unknown CI class "${r.class}"` });
        continue;
      }
      const problems = validateAttributes(ciClass.name, ciClass.attributes, r.attributes ?? {});
      if (problems.length > 0) {
        const p = problems[0] as { attribute: string; message: string };
        addError({ line: r.line, code: 'INVALID_ATTRIBUTE', message: `attributes/${p.attribute} ${p.message}` });
        continue;
      }
      ciLines.set(ciKey(r.class, r.name), r);
    }
    const existing = await writer.lookupCis([...ciLines.values()].map((r) => ({ class: r.class, name: r.name })));
    const inserts: { key: string; row: NewCiRow }[] = [];
    const touches: number[] = [];
    const history: HistoryRowInput[] = [];
    const historyOf = (ciId: number, action: string, changes: Record<string, unknown>): HistoryRowInput => ({
      ciId,
      at: now,
      actorId: actor.userId,
      actorName: actor.username,
      requestId: actor.requestId,
      context,
      action,
      changes: changes === NO_CHANGES ? NO_CHANGES_JSON : canonicalJson(changes),
    });
    for (const [key, record] of ciLines) {
      const current = existing.get(key);
      if (!current) {
        inserts.push({
          key,
          row: {
            class: record.class,
            name: record.name,
            status: record.status ?? 'active',
            environment: record.environment ?? null,
            owner: record.owner ?? null,
            criticality: record.criticality ?? null,
            attributes: canonicalJson(record.attributes ?? {}),
            source,
            at: now,
          },
        });
        continue;
      }
      refCache.set(key, current.id);
      const changed = await this.#applyCiChange(tx, current, record, source, now);
      if (changed) {
        outcome.ciUpdated++;
        history.push(historyOf(current.id, 'update', changed));
      } else {
        outcome.ciUnchanged++;
        const lastSeen = current.last_seen_at ? Date.parse(current.last_seen_at) : 0;
        if (Date.parse(now) - lastSeen > SEEN_REFRESH_MS) touches.push(current.id);
      }
    }
    const ids = await writer.insertCis(inserts.map((i) => i.row));
    inserts.forEach(({ key, row }, i) => {
      const id = ids[i] as number;
      refCache.set(key, id);
      outcome.ciCreatedIds.push({ id, class: row.class });
      history.push(historyOf(id, 'create', NO_CHANGES));
    });
    outcome.ciCreated = inserts.length;
    await writer.touchCis(touches, source, now);
    await writer.insertHistory(history);

    // Relationships: resolve both ends (this import's CIs first, then the database for the
    // chunk's misses, once each). A line's `source`/`target` text is the end's cache key as is.
    const relationships: RelationshipRecord[] = [];
    const sourceIds: (number | undefined)[] = [];
    const targetIds: (number | undefined)[] = [];
    let unresolved: Map<string, { class: string; name: string }> | undefined;
    // Exports tend to list a CI's relationships together: the previous line's source is cheaper
    // to compare than a look-up in a map of a million keys.
    let lastSource = '';
    let lastSourceId: number | undefined;
    for (const r of records) {
      if (r.kind !== 'relationship') continue;
      const sourceId = r.source === lastSource ? lastSourceId : refCache.get(r.source);
      const targetId = refCache.get(r.target);
      lastSource = r.source;
      lastSourceId = sourceId;
      if (sourceId === undefined) {
        unresolved ??= new Map();
        unresolved.set(r.source, { class: r.sourceClass, name: r.sourceName });
      }
      if (targetId === undefined) {
        unresolved ??= new Map();
        unresolved.set(r.target, { class: r.targetClass, name: r.targetName });
      }
      relationships.push(r);
      sourceIds.push(sourceId);
      targetIds.push(targetId);
    }
    if (unresolved !== undefined) {
      for (const [key, row] of await writer.lookupCis([...unresolved.values()])) refCache.set(key, row.id);
    }
    // Duplicate lines need no special care: the second insert of an edge finds it present and
    // counts as unchanged, exactly like an edge imported before.
    const edges: EdgeRow[] = [];
    for (let i = 0; i < relationships.length; i++) {
      const r = relationships[i] as RelationshipRecord;
      const sourceId = sourceIds[i] ?? refCache.get(r.source);
      const targetId = targetIds[i] ?? refCache.get(r.target);
      if (sourceId === undefined || targetId === undefined) {
        addError({
          line: r.line,
          code: 'UNKNOWN_CI',
          message: `No CI ${sourceId === undefined ? r.source : r.target} (CIs must come before the relationships that use them)`,
        });
        continue;
      }
      edges.push({ sourceId, type: r.type, targetId });
    }
    outcome.relCreated = await writer.insertEdges(edges, origin, now);
    outcome.relUnchanged += edges.length - outcome.relCreated.length;
    if (prune && source) await writer.markEdgesSeen(edges, origin, importStartedAt);

    if (refCache.size > REF_CACHE_LIMIT) {
      let drop = refCache.size - REF_CACHE_LIMIT / 2;
      for (const key of refCache.keys()) {
        if (drop-- <= 0) break;
        refCache.delete(key);
      }
    }
    return outcome;
  }

  /** Updates a CI from an import line (fields the line leaves out are kept); returns the changes or undefined. */
  async #applyCiChange(
    tx: Db,
    current: ExistingCi,
    record: CiRecord,
    source: string | null,
    now: string,
  ): Promise<Record<string, { from: unknown; to: unknown }> | undefined> {
    const currentAttributes = readJson<Record<string, unknown>>(current.attributes as string);
    const attributes = { ...currentAttributes };
    for (const [key, value] of Object.entries(record.attributes ?? {})) {
      if (value === null) delete attributes[key];
      else attributes[key] = value;
    }
    const before = {
      status: current.status,
      environment: current.environment,
      owner: current.owner,
      criticality: current.criticality,
      ...Object.fromEntries(Object.entries(currentAttributes).map(([k, v]) => [`attributes.${k}`, v])),
    };
    const after = {
      status: record.status ?? current.status,
      environment: record.environment !== undefined ? record.environment : current.environment,
      owner: record.owner !== undefined ? record.owner : current.owner,
      criticality: record.criticality !== undefined ? record.criticality : current.criticality,
      ...Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`attributes.${k}`, v])),
    };
    const changes = diffRecords(before, after);
    if (Object.keys(changes).length === 0) return undefined;
    await ciRepository.update(tx, current.id, current.version, {
      status: after.status,
      environment: after.environment,
      owner: after.owner,
      criticality: after.criticality,
      attributes: canonicalJson(attributes),
      source,
      last_seen_at: now,
      updated_at: now,
    });
    return changes;
  }

  /**
   * Tells every instance's impact index about the import: one entry per change when few, or a
   * single `reload` (rebuild from the tables) when many. Written last, so no instance sees half
   * an import.
   */
  async #logGraphChanges(
    tx: Db,
    createdCis: { id: number; class: string }[],
    createdEdges: CreatedEdge[],
    result: ImportResult,
    removedEdges: CreatedEdge[],
    delta: BulkGraphDelta,
    startSeq: number,
  ): Promise<void> {
    const at = isoNow(this.clock);
    const changes = result.cis.created + result.relationships.created + removedEdges.length;
    if (changes === 0) return;
    if (
      result.cis.created > LOG_EACH_LIMIT ||
      result.relationships.created > LOG_EACH_LIMIT ||
      removedEdges.length > LOG_EACH_LIMIT
    ) {
      for (const e of removedEdges) delta.removeRelationship(e.sourceId, e.type, e.targetId);
      const seq = await graphChangeRepository.appendReload(tx, at);
      // Registered before commit, so no poll can take the entry for someone else's bulk change.
      this.impact.registerLocalBulk(seq, delta, startSeq);
      return;
    }
    await graphChangeRepository.append(tx, [
      ...createdCis.map((c) => ({ op: 'ci', source_id: c.id, type: c.class, at })),
      ...createdEdges.map((e) => ({
        op: 'add',
        relationship_id: e.id,
        source_id: e.sourceId,
        type: e.type,
        target_id: e.targetId,
        at,
      })),
      ...removedEdges.map((e) => ({
        op: 'remove',
        relationship_id: e.id,
        source_id: e.sourceId,
        type: e.type,
        target_id: e.targetId,
        at,
      })),
    ]);
  }
}

class AtomicImportRejected extends Error {}
