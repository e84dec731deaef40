import {
  CI_STATUSES,
  CRITICALITIES,
  isRelationshipType,
  parseCiReference,
  RELATIONSHIP_TYPE_NAMES,
} from '@slipway/model';
import { ENVIRONMENT_PATTERN } from './ci.service.js';

/** One CI line of an import, validated for shape (class attributes are checked against the catalogue later). */
export interface CiRecord {
  kind: 'ci';
  line: number;
  class: string;
  name: string;
  status?: string;
  environment?: string | null;
  owner?: string | null;
  criticality?: string | null;
  attributes?: Record<string, unknown>;
}

export interface RelationshipRecord {
  kind: 'relationship';
  line: number;
  /** The source reference as written ("class/name"); equals `ciKey(sourceClass, sourceName)`. */
  source: string;
  /** The target reference as written ("class/name"); equals `ciKey(targetClass, targetName)`. */
  target: string;
  sourceClass: string;
  sourceName: string;
  type: string;
  targetClass: string;
  targetName: string;
}

export type ImportRecord = CiRecord | RelationshipRecord;

export interface LineError {
  line: number;
  code: string;
  message: string;
}

/**
 * A relationship line as kept until its chunk is written. Millions of them pass through an
 * import, so it holds only the reference texts; the class/name halves are split off when asked
 * for (only for CIs not already known to the import).
 */
class RelationshipLine implements RelationshipRecord {
  readonly kind = 'relationship';
  constructor(
    readonly line: number,
    readonly source: string,
    readonly type: string,
    readonly target: string,
  ) {}
  get sourceClass(): string {
    return (parseCiReference(this.source) as { class: string }).class;
  }
  get sourceName(): string {
    return (parseCiReference(this.source) as { name: string }).name;
  }
  get targetClass(): string {
    return (parseCiReference(this.target) as { class: string }).class;
  }
  get targetName(): string {
    return (parseCiReference(this.target) as { name: string }).name;
  }
}

/** What `parseCiReference` accepts, without building its answer. */
function isCiReference(value: unknown): value is string {
  return typeof value === 'string' && parseCiReference(value) !== undefined;
}

const MAX_NAME = 255;
const CI_KEYS = new Set(['kind', 'class', 'name', 'status', 'environment', 'owner', 'criticality', 'attributes']);
const REL_KEYS = new Set(['kind', 'source', 'type', 'target']);

function fail(line: number, code: string, message: string): LineError {
  return { line, code, message };
}

/** The first member of `o` not in `known` (no key array per line: this runs for every line). */
function unknownField(o: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  for (const key in o) if (!known.has(key)) return key;
  return undefined;
}

function optionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

/** Parses and checks one NDJSON line. Blank lines return undefined (they are skipped). */
export function parseImportLine(text: string, line: number): ImportRecord | LineError | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(line, 'INVALID_JSON', `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(line, 'INVALID_LINE', 'Each line must be a JSON object with "kind": "ci" or "relationship"');
  }
  const o = value as Record<string, unknown>;
  if (o.kind === 'ci') {
    const extra = unknownField(o, CI_KEYS);
    if (extra) return fail(line, 'UNKNOWN_FIELD', `"${extra}" is not a field of a CI line`);
    if (typeof o.class !== 'string' || o.class === '') return fail(line, 'MISSING_FIELD', 'A CI line needs "class"');
    if (typeof o.name !== 'string' || o.name.trim() === '' || o.name.length > MAX_NAME) {
      return fail(line, 'INVALID_FIELD', `A CI line needs "name" of 1–${MAX_NAME} characters`);
    }
    if (o.status !== undefined && !(CI_STATUSES as readonly unknown[]).includes(o.status)) {
      return fail(line, 'INVALID_FIELD', `"status" must be one of: ${CI_STATUSES.join(', ')}`);
    }
    if (
      !optionalString(o.environment) ||
      (typeof o.environment === 'string' && !ENVIRONMENT_PATTERN.test(o.environment))
    ) {
      return fail(line, 'INVALID_FIELD', '"environment" must be lower-case letters, digits, _ or -');
    }
    if (
      o.criticality !== undefined &&
      o.criticality !== null &&
      !(CRITICALITIES as readonly unknown[]).includes(o.criticality)
    ) {
      return fail(line, 'INVALID_FIELD', `"criticality" must be one of: ${CRITICALITIES.join(', ')}`);
    }
    if (!optionalString(o.owner) || (typeof o.owner === 'string' && (o.owner.length === 0 || o.owner.length > 200))) {
      return fail(line, 'INVALID_FIELD', '"owner" must be a string of 1–200 characters');
    }
    if (
      o.attributes !== undefined &&
      (o.attributes === null || typeof o.attributes !== 'object' || Array.isArray(o.attributes))
    ) {
      return fail(line, 'INVALID_FIELD', '"attributes" must be an object');
    }
    const record: CiRecord = { kind: 'ci', line, class: o.class, name: o.name };
    if (o.status !== undefined) record.status = o.status as string;
    if (o.environment !== undefined) record.environment = o.environment as string | null;
    if (o.owner !== undefined) record.owner = o.owner as string | null;
    if (o.criticality !== undefined) record.criticality = o.criticality as string | null;
    if (o.attributes !== undefined) record.attributes = o.attributes as Record<string, unknown>;
    return record;
  }
  if (o.kind === 'relationship') {
    const extra = unknownField(o, REL_KEYS);
    if (extra) return fail(line, 'UNKNOWN_FIELD', `"${extra}" is not a field of a relationship line`);
    if (typeof o.type !== 'string' || !isRelationshipType(o.type)) {
      return fail(line, 'UNKNOWN_TYPE', `"type" must be one of: ${RELATIONSHIP_TYPE_NAMES.join(', ')}`);
    }
    if (!isCiReference(o.source)) return fail(line, 'INVALID_FIELD', '"source" must be a CI reference "class/name"');
    if (!isCiReference(o.target)) return fail(line, 'INVALID_FIELD', '"target" must be a CI reference "class/name"');
    // Same text, same class and name (a reference splits at its first "/").
    if (o.source === o.target) return fail(line, 'SELF_RELATIONSHIP', 'A CI cannot be related to itself');
    return new RelationshipLine(line, o.source, o.type, o.target);
  }
  return fail(line, 'INVALID_LINE', '"kind" must be "ci" or "relationship"');
}

export function isLineError(value: ImportRecord | LineError): value is LineError {
  return 'code' in value;
}
