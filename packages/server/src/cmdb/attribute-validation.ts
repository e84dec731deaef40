import net from 'node:net';
import type { AttributeDefinition } from '@slipway/model';
import { canonicalJson } from '../platform/audit/canonical-json.js';

const MAX_STRING = 4000;
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_~:-]{0,99}$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Why one attribute value is not acceptable, or undefined when it is. */
function problemWith(definition: AttributeDefinition, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (definition.type) {
    case 'string':
      return typeof value === 'string' && value.length <= MAX_STRING
        ? undefined
        : `must be a string of at most ${MAX_STRING} characters`;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be a whole number';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && DATE_PATTERN.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'must be an ISO-8601 date, e.g. 2026-12-31';
    case 'enum':
      return typeof value === 'string' && (definition.values ?? []).includes(value)
        ? undefined
        : `must be one of: ${(definition.values ?? []).join(', ')}`;
    case 'version':
      return typeof value === 'string' && VERSION_PATTERN.test(value) ? undefined : 'must be a version such as 3.0.13';
    case 'ip':
      return typeof value === 'string' && net.isIP(value) !== 0 ? undefined : 'must be an IPv4 or IPv6 address';
    default:
      return 'has an unknown attribute type';
  }
}

export interface AttributeProblem {
  attribute: string;
  message: string;
}

/**
 * Checks a CI's attributes against its class: unknown names, wrong types and missing required
 * attributes. Returns every problem (an import line reports them all at once).
 */
export function validateAttributes(
  className: string,
  definitions: readonly AttributeDefinition[],
  attributes: Record<string, unknown>,
): AttributeProblem[] {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const problems: AttributeProblem[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    const definition = byName.get(name);
    if (!definition) {
      problems.push({
        attribute: name,
        message: `is not an attribute of class ${className} (known: ${[...byName.keys()].join(', ') || 'none'})`,
      });
      continue;
    }
    const problem = problemWith(definition, value);
    if (problem) problems.push({ attribute: name, message: problem });
  }
  for (const definition of definitions) {
    if (definition.required && (attributes[definition.name] === undefined || attributes[definition.name] === null)) {
      problems.push({ attribute: definition.name, message: 'is required' });
    }
  }
  return problems;
}

/** Attribute-by-attribute difference: { name: { from, to } } for every changed attribute. */
export function diffRecords(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const from = before[key] ?? null;
    const to = after[key] ?? null;
    if (canonicalJson(from) !== canonicalJson(to)) changes[key] = { from, to };
  }
  return changes;
}
