import {
  type AttributeCondition,
  type AttributeScalar,
  isRelationshipType,
  parseCiReference,
  type TargetQuery,
} from '@slipway/model';
import { InputError } from '../platform/errors.js';
import { coerceVersion, semver, validRange } from './versioning.js';

/** Limits that keep one saved query cheap to resolve. */
const MAX_CONDITIONS = 50;

function asList<T>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/**
 * The parts of a query, normalised: lists for the SQL-narrowed fields, conditions as given. A
 * query without a class, environment or name is allowed (it scans all CIs) but must then say
 * something about attributes, installed software or relationships: "everything" is no target set.
 */
export interface NormalisedQuery {
  classes: string[] | undefined;
  environments: string[] | undefined;
  statuses: string[] | undefined;
  nameContains: string | undefined;
  attributes: [string, AttributeCondition][];
  installed: { product: string; range: string | undefined; present: boolean }[];
  related: { type: string; direction: 'out' | 'in'; ci: string | number }[];
}

/** Validates a query (the TypeBox schema checked its shape) and names the path of each problem. */
export function normaliseTargetQuery(query: TargetQuery, field = 'query'): NormalisedQuery {
  const attributes = Object.entries(query.attributes ?? {});
  const installed = (query.installed ?? []).map((c, i) => {
    if (c.version !== undefined && !validRange(c.version)) {
      throw new InputError(`${field}/installed/${i}/version "${c.version}" is not a semver range (e.g. "<3.0")`, {
        field: `${field}/installed/${i}/version`,
      });
    }
    return { product: c.product.trim(), range: c.version, present: c.present ?? true };
  });
  const related = (query.related ?? []).map((c, i) => {
    if (!isRelationshipType(c.type)) {
      throw new InputError(`${field}/related/${i}/type "${c.type}" is not a relationship type`, {
        field: `${field}/related/${i}/type`,
      });
    }
    if (typeof c.ci === 'string' && !parseCiReference(c.ci)) {
      throw new InputError(`${field}/related/${i}/ci must be class/name or a CI id`, {
        field: `${field}/related/${i}/ci`,
      });
    }
    return { type: c.type, direction: c.direction ?? 'out', ci: c.ci };
  });
  for (const [name, condition] of attributes) {
    if (typeof condition === 'object' && condition !== null && condition.version !== undefined) {
      if (!validRange(condition.version)) {
        throw new InputError(`${field}/attributes/${name}/version "${condition.version}" is not a semver range`, {
          field: `${field}/attributes/${name}/version`,
        });
      }
    }
  }
  if (attributes.length + installed.length + related.length > MAX_CONDITIONS) {
    throw new InputError(`${field}: at most ${MAX_CONDITIONS} conditions`, { field });
  }
  const normalised: NormalisedQuery = {
    classes: asList(query.class),
    environments: asList(query.environment),
    statuses: asList(query.status),
    nameContains: query.nameContains,
    attributes,
    installed,
    related,
  };
  const narrowed =
    normalised.classes !== undefined || normalised.environments !== undefined || normalised.nameContains !== undefined;
  if (!narrowed && attributes.length + installed.length + related.length === 0) {
    throw new InputError(
      `${field} selects every CI: give a class, environment, name, attribute, installed or related condition`,
      { field },
    );
  }
  return normalised;
}

/**
 * Compares like with like: numbers as numbers, version-looking strings as versions (so "10.2" is
 * above "9.1" and "3.0.13" above "3.0.2"), other strings as text. Undefined when the two cannot
 * be ordered (a boolean, a string against a number that is not numeric).
 */
export function compareScalars(actual: unknown, expected: AttributeScalar): number | undefined {
  if (typeof expected === 'number') {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' ? Number(actual) : Number.NaN;
    return Number.isNaN(n) ? undefined : n - expected;
  }
  if (typeof expected === 'string' && typeof actual === 'string') {
    const a = /^\d/.test(actual) ? coerceVersion(actual) : null;
    const b = /^\d/.test(expected) ? coerceVersion(expected) : null;
    if (a !== null && b !== null) {
      const byVersion = semver.compare(a, b);
      // 1.0.2k and 1.0.2 coerce alike: fall back to the text to order them.
      return byVersion !== 0 ? byVersion : actual.localeCompare(expected, 'en');
    }
    return actual.localeCompare(expected, 'en');
  }
  if (typeof expected === 'string' && typeof actual === 'number') {
    const n = Number(expected);
    return Number.isNaN(n) ? undefined : actual - n;
  }
  return undefined;
}

function equalScalar(actual: unknown, expected: AttributeScalar): boolean {
  if (typeof expected === 'string' && typeof actual === 'string')
    return actual.toLowerCase() === expected.toLowerCase();
  if (typeof expected === 'number' && typeof actual === 'string') return Number(actual) === expected;
  return actual === expected;
}

/** Whether an attribute value meets a condition. Missing values meet only `exists: false` and `ne`. */
export function attributeMatches(value: unknown, condition: AttributeCondition): boolean {
  const present = value !== undefined && value !== null && value !== '';
  if (typeof condition !== 'object' || condition === null) return present && equalScalar(value, condition);
  if (condition.exists !== undefined && condition.exists !== present) return false;
  if (condition.ne !== undefined && present && equalScalar(value, condition.ne)) return false;
  const ordered: [keyof typeof condition, (c: number) => boolean][] = [
    ['lt', (c) => c < 0],
    ['lte', (c) => c <= 0],
    ['gt', (c) => c > 0],
    ['gte', (c) => c >= 0],
  ];
  const needsValue =
    condition.eq !== undefined ||
    condition.in !== undefined ||
    condition.version !== undefined ||
    ordered.some(([key]) => condition[key] !== undefined);
  if (!needsValue) return true;
  if (!present) return false;
  if (condition.eq !== undefined && !equalScalar(value, condition.eq)) return false;
  if (condition.in !== undefined && !condition.in.some((v) => equalScalar(value, v))) return false;
  for (const [key, test] of ordered) {
    const bound = condition[key];
    if (bound === undefined || typeof bound === 'boolean' || Array.isArray(bound)) continue;
    const c = compareScalars(value, bound);
    if (c === undefined || !test(c)) return false;
  }
  if (condition.version !== undefined) {
    const coerced = coerceVersion(value);
    if (coerced === null || !semver.satisfies(coerced, condition.version, { includePrerelease: true, loose: true }))
      return false;
  }
  return true;
}

/** A CI's fields a query filters on after SQL narrowed the candidates. */
export interface CandidateCi {
  id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: Record<string, unknown>;
}

/** CI fields an attribute condition may name too (a class attribute of the same name wins). */
const CI_FIELDS = ['name', 'owner', 'criticality', 'status', 'environment'] as const;

/** The attribute conditions, evaluated in memory on one candidate. */
export function candidateMatches(ci: CandidateCi, query: NormalisedQuery): boolean {
  for (const [name, condition] of query.attributes) {
    let value = ci.attributes[name];
    if (value === undefined && (CI_FIELDS as readonly string[]).includes(name)) {
      value = ci[name as (typeof CI_FIELDS)[number]];
    }
    if (!attributeMatches(value, condition)) return false;
  }
  return true;
}
