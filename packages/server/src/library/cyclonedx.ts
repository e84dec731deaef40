import crypto from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';

/**
 * CycloneDX JSON SBOMs, spec 1.4 to 1.6 (ECMA-424 is 1.6): the structure Slipway relies on is
 * validated, everything else the spec allows is kept as sent. A corrupt SBOM is refused with the
 * JSON pointer of the first problem.
 */

export const CYCLONEDX_VERSIONS = ['1.4', '1.5', '1.6'] as const;

const COMPONENT_TYPES = [
  'application',
  'framework',
  'library',
  'container',
  'platform',
  'operating-system',
  'device',
  'device-driver',
  'firmware',
  'file',
  'machine-learning-model',
  'data',
  'cryptographic-asset',
];

const LICENSE_CHOICE = {
  type: 'array',
  items: {
    anyOf: [
      {
        type: 'object',
        required: ['license'],
        properties: {
          license: {
            type: 'object',
            anyOf: [{ required: ['id'] }, { required: ['name'] }],
            properties: {
              id: { type: 'string', minLength: 1, maxLength: 200 },
              name: { type: 'string', minLength: 1, maxLength: 500 },
              url: { type: 'string' },
            },
          },
        },
      },
      {
        type: 'object',
        required: ['expression'],
        properties: { expression: { type: 'string', minLength: 1, maxLength: 2000 } },
      },
    ],
  },
};

const SBOM_SCHEMA = {
  $id: 'cyclonedx-subset',
  type: 'object',
  required: ['bomFormat', 'specVersion'],
  properties: {
    bomFormat: { const: 'CycloneDX' },
    specVersion: { enum: [...CYCLONEDX_VERSIONS] },
    serialNumber: {
      type: 'string',
      pattern: '^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    },
    version: { type: 'integer', minimum: 1 },
    metadata: {
      type: 'object',
      properties: { component: { $ref: '#/definitions/component' }, licenses: LICENSE_CHOICE },
    },
    components: { type: 'array', items: { $ref: '#/definitions/component' } },
    dependencies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ref'],
        properties: { ref: { type: 'string' }, dependsOn: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
  definitions: {
    component: {
      type: 'object',
      required: ['type', 'name'],
      properties: {
        type: { enum: COMPONENT_TYPES },
        'bom-ref': { type: 'string', minLength: 1, maxLength: 1000 },
        group: { type: 'string', maxLength: 500 },
        name: { type: 'string', minLength: 1, maxLength: 500 },
        version: { type: 'string', maxLength: 200 },
        purl: { type: 'string', maxLength: 2000 },
        licenses: LICENSE_CHOICE,
        hashes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['alg', 'content'],
            properties: { alg: { type: 'string' }, content: { type: 'string', pattern: '^([a-fA-F0-9]{32,128})$' } },
          },
        },
        components: { type: 'array', items: { $ref: '#/definitions/component' } },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile(SBOM_SCHEMA);

/** A refused SBOM: where (JSON pointer) and what. */
export class SbomInvalidError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`The SBOM is not valid CycloneDX 1.4–1.6 JSON at ${path || '/'}: ${problem}`);
  }
}

/** One licence statement of a component, as the SBOM says it. */
export type SbomLicence = { id: string } | { name: string } | { expression: string };

export interface SbomComponentInput {
  ref: string;
  type: string;
  group: string | null;
  name: string;
  version: string | null;
  purl: string | null;
  licenses: SbomLicence[];
  /** The SPDX ids and expressions joined with AND; null when the SBOM gives none (or only names). */
  licenseExpression: string | null;
}

export interface ParsedSbom {
  specVersion: string;
  serialNumber: string | null;
  components: SbomComponentInput[];
  /** sha256 of the document as sent. */
  sha256: string;
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'required') return `${String(error.params.missingProperty)} is required`;
  if (error.keyword === 'enum') return `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(error.params.allowedValue)}`;
  if (error.keyword === 'anyOf') return 'must be {"license":{"id"|"name":…}} or {"expression":…}';
  return error.message ?? 'is invalid';
}

interface RawLicence {
  license?: { id?: string; name?: string };
  expression?: string;
}

interface RawComponent {
  type: string;
  'bom-ref'?: string;
  group?: string;
  name: string;
  version?: string;
  purl?: string;
  licenses?: RawLicence[];
  components?: RawComponent[];
}

function licencesOf(raw: RawLicence[] | undefined): SbomLicence[] {
  return (raw ?? []).map((entry): SbomLicence => {
    if (entry.expression !== undefined) return { expression: entry.expression };
    if (entry.license?.id !== undefined) return { id: entry.license.id };
    return { name: entry.license?.name ?? '' };
  });
}

function expressionOf(licenses: SbomLicence[]): string | null {
  const parts = licenses.flatMap((l) => ('id' in l ? [l.id] : 'expression' in l ? [`(${l.expression})`] : []));
  if (parts.length === 0) return null;
  if (parts.length === 1) return (parts[0] as string).replace(/^\((.*)\)$/, '$1');
  return parts.join(' AND ');
}

/** Validates a parsed JSON document as a CycloneDX SBOM and flattens its components. */
export function parseCycloneDx(document: unknown, text: string): ParsedSbom {
  if (!validate(document)) {
    const error = validate.errors?.[0];
    throw new SbomInvalidError(error?.instancePath ?? '', error ? describe(error) : 'is invalid');
  }
  const bom = document as { specVersion: string; serialNumber?: string; components?: RawComponent[] };
  const components: SbomComponentInput[] = [];
  const refs = new Map<string, string>();
  const visit = (list: RawComponent[] | undefined, path: string) => {
    (list ?? []).forEach((raw, i) => {
      const here = `${path}/${i}`;
      const licenses = licencesOf(raw.licenses);
      let ref = raw['bom-ref'] ?? raw.purl ?? `${raw.group ? `${raw.group}/` : ''}${raw.name}@${raw.version ?? ''}`;
      if (refs.has(ref)) {
        if (raw['bom-ref'] !== undefined) {
          throw new SbomInvalidError(`${here}/bom-ref`, `bom-ref "${ref}" is also used at ${refs.get(ref)}`);
        }
        ref = `${ref}#${components.length}`;
      }
      refs.set(ref, here);
      components.push({
        ref,
        type: raw.type,
        group: raw.group ?? null,
        name: raw.name,
        version: raw.version ?? null,
        purl: raw.purl ?? null,
        licenses,
        licenseExpression: expressionOf(licenses),
      });
      visit(raw.components, `${here}/components`);
    });
  };
  visit(bom.components, '/components');
  return {
    specVersion: bom.specVersion,
    serialNumber: bom.serialNumber ?? null,
    components,
    sha256: crypto.createHash('sha256').update(text).digest('hex'),
  };
}

/** Numeric-aware version comparison (1.10 > 1.9; 2.0.0 > 2.0.0-rc1); sign of a − b. */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = splitPre(a);
  const [coreB, preB] = splitPre(b);
  const partsA = coreA.split(/[.]/);
  const partsB = coreB.split(/[.]/);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const x = partsA[i] ?? '0';
    const y = partsB[i] ?? '0';
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    const order = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x.localeCompare(y, 'en');
    if (order !== 0) return Math.sign(order);
  }
  if (preA === preB) return 0;
  if (preA === '') return 1;
  if (preB === '') return -1;
  return Math.sign(preA.localeCompare(preB, 'en', { numeric: true }));
}

function splitPre(version: string): [string, string] {
  const clean = version.replace(/^v/i, '').split('+')[0] as string;
  const dash = clean.indexOf('-');
  return dash < 0 ? [clean, ''] : [clean.slice(0, dash), clean.slice(dash + 1)];
}

export interface DiffComponent {
  group: string | null;
  name: string;
  version: string | null;
  purl: string | null;
}

export interface SbomDiff {
  added: DiffComponent[];
  removed: DiffComponent[];
  upgraded: (DiffComponent & { from: string | null; to: string | null })[];
  downgraded: (DiffComponent & { from: string | null; to: string | null })[];
  unchanged: number;
}

/**
 * What changed between two SBOMs, component by component. A component is the same when group
 * and name match (the version is what changes between releases); several versions of one
 * component in one SBOM are compared by their sorted version lists.
 */
export function diffSboms(from: readonly DiffComponent[], to: readonly DiffComponent[]): SbomDiff {
  const keyOf = (c: DiffComponent) => `${c.group ?? ''}\u0000${c.name}`;
  const group = (list: readonly DiffComponent[]) => {
    const map = new Map<string, DiffComponent[]>();
    for (const c of list) map.set(keyOf(c), [...(map.get(keyOf(c)) ?? []), c]);
    for (const members of map.values()) members.sort((x, y) => compareVersions(x.version ?? '', y.version ?? ''));
    return map;
  };
  const before = group(from);
  const after = group(to);
  const diff: SbomDiff = { added: [], removed: [], upgraded: [], downgraded: [], unchanged: 0 };
  for (const [key, olds] of before) {
    const news = after.get(key);
    if (!news) {
      diff.removed.push(...olds);
      continue;
    }
    const oldVersions = new Set(olds.map((c) => c.version));
    const newVersions = new Set(news.map((c) => c.version));
    const gone = olds.filter((c) => !newVersions.has(c.version));
    const came = news.filter((c) => !oldVersions.has(c.version));
    diff.unchanged += olds.length - gone.length;
    // Pair what went with what came, in version order; extras are plain removals or additions.
    const pairs = Math.min(gone.length, came.length);
    for (let i = 0; i < pairs; i++) {
      const oldC = gone[i] as DiffComponent;
      const newC = came[i] as DiffComponent;
      const change = { ...newC, from: oldC.version, to: newC.version };
      if (compareVersions(newC.version ?? '', oldC.version ?? '') >= 0) diff.upgraded.push(change);
      else diff.downgraded.push(change);
    }
    diff.removed.push(...gone.slice(pairs));
    diff.added.push(...came.slice(pairs));
  }
  for (const [key, news] of after) if (!before.has(key)) diff.added.push(...news);
  return diff;
}
