import { type Document, LineCounter, parseAllDocuments } from 'yaml';

/**
 * Reading a Backstage software catalog (catalog-info.yaml descriptors) and planning the CMDB
 * records it becomes. Pure: no I/O. The import service resolves references to entities that
 * are not in the import against the CMDB, then streams the plan through the NDJSON import.
 *
 * Mapping (docs/cmdb.md, "Backstage catalog import", says why):
 *   Component → application (software when spec.type is library)
 *   API       → application named `api:<name>`
 *   System    → service
 *   Domain    → service named `domain:<name>`
 *   Resource  → database / messaging / storage / server / virtual_machine by spec.type,
 *               else application named `resource:<name>`
 *   Group     → not a CI: it is what `spec.owner` names (the CI's owner field)
 * A non-default namespace prefixes the name: `<namespace>/<name>`.
 */

export interface CatalogFile {
  /** Shown in errors; null for a YAML request body. */
  path: string | null;
  content: string;
}

/** Where something in the catalog is: file, 1-based document number in it, 1-based line. */
export interface CatalogLocation {
  file: string | null;
  document: number;
  line: number;
}

export interface CatalogProblem extends CatalogLocation {
  /** The entity's reference, e.g. `component:default/petstore`, when known. */
  entity: string | null;
  code: string;
  message: string;
}

export interface EntityRef {
  kind: string;
  namespace: string;
  name: string;
}

/** A CI as class and name. */
export interface CiName {
  class: string;
  name: string;
}

export interface CatalogEntity extends CatalogLocation {
  /** Kind as Backstage spells it (Component, API…). */
  kind: string;
  namespace: string;
  name: string;
  /** Lower-cased `kind:namespace/name`: Backstage compares references case-insensitively. */
  key: string;
  spec: Record<string, unknown>;
  metadata: Record<string, unknown>;
  relations: unknown;
  /** Line of the value at a path inside the entity (falls back to the entity's line). */
  lineOf(path: readonly (string | number)[]): number;
}

export interface PlannedCi {
  entity: CatalogEntity;
  ci: CiName;
  owner: string | undefined;
  attributes: Record<string, string>;
}

/** `self` is the entity's CI; `out`: self —type→ other, `in`: other —type→ self. */
export interface PlannedRelation {
  entity: CatalogEntity;
  self: CiName;
  other: EntityRef;
  type: 'depends_on' | 'part_of';
  direction: 'out' | 'in';
  /** The descriptor field that declared it, e.g. spec.dependsOn. */
  field: string;
  at: CatalogLocation;
}

export interface CatalogPlan {
  cis: PlannedCi[];
  relations: PlannedRelation[];
  problems: CatalogProblem[];
  /** Entities read, by kind (as spelled in the files). */
  byKind: Record<string, number>;
  /** Entities of kinds that do not become CIs or owners (User, Location, Template…), by kind. */
  skipped: Record<string, number>;
}

export const MAX_CATALOG_ENTITIES = 50_000;
const NAME_PATTERN = /^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$/;
const NAMESPACE_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const KIND_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;
const API_VERSION_PATTERN = /^backstage\.io\/v1(alpha1|beta1|beta2)$/;
export const DEFAULT_NAMESPACE = 'default';

/** Kinds that become CIs, by lower-cased kind. */
const CI_KINDS = new Set(['component', 'api', 'system', 'resource', 'domain']);

/** Resource spec.type → class (and engine attribute where the type names one). */
const RESOURCE_TYPES: Record<string, { class: string; engine?: string }> = {};
const resourceTypes = (ciClass: string, types: string[], engines: Record<string, string> = {}) => {
  for (const type of types) RESOURCE_TYPES[type] = { class: ciClass, ...(engines[type] && { engine: engines[type] }) };
};
resourceTypes(
  'database',
  [
    'database',
    'db',
    'rds',
    'postgres',
    'postgresql',
    'mysql',
    'mariadb',
    'oracle',
    'mssql',
    'sqlserver',
    'mongodb',
    'cassandra',
    'dynamodb',
    'redis',
    'elasticsearch',
    'opensearch',
  ],
  {
    postgres: 'postgresql',
    postgresql: 'postgresql',
    mysql: 'mysql',
    mariadb: 'mariadb',
    oracle: 'oracle',
    mssql: 'mssql',
    sqlserver: 'mssql',
    mongodb: 'mongodb',
    cassandra: 'cassandra',
    dynamodb: 'dynamodb',
    redis: 'redis',
    elasticsearch: 'elasticsearch',
    opensearch: 'opensearch',
  },
);
resourceTypes(
  'messaging',
  [
    'queue',
    'topic',
    'kafka',
    'kafka-topic',
    'rabbitmq',
    'message-broker',
    'message-queue',
    'messaging',
    'sqs',
    'sns',
    'pubsub',
    'nats',
    'activemq',
    'kinesis',
    'event-bus',
  ],
  {
    kafka: 'kafka',
    'kafka-topic': 'kafka',
    rabbitmq: 'rabbitmq',
    sqs: 'sqs',
    sns: 'sns',
    pubsub: 'pubsub',
    nats: 'nats',
    activemq: 'activemq',
    kinesis: 'kinesis',
  },
);
resourceTypes('storage', [
  'storage',
  's3-bucket',
  's3',
  'bucket',
  'gcs-bucket',
  'blob-storage',
  'object-storage',
  'volume',
  'file-share',
  'nfs',
  'filesystem',
]);
resourceTypes('server', ['server', 'host', 'bare-metal', 'physical-server']);
resourceTypes('virtual_machine', ['vm', 'virtual-machine', 'ec2-instance', 'compute-instance']);

/** Classes a Resource may have become, in lookup order, for references outside the import. */
const RESOURCE_CLASSES = ['database', 'messaging', 'storage', 'server', 'virtual_machine'];

function baseName(namespace: string, name: string): string {
  return namespace === DEFAULT_NAMESPACE ? name : `${namespace}/${name}`;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The CI an entity becomes (undefined for kinds that do not become CIs). */
export function ciOfEntity(
  kind: string,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): CiName | undefined {
  const base = baseName(namespace, name);
  switch (kind.toLowerCase()) {
    case 'component':
      return { class: String(spec.type ?? '').toLowerCase() === 'library' ? 'software' : 'application', name: base };
    case 'api':
      return { class: 'application', name: `api:${base}` };
    case 'system':
      return { class: 'service', name: base };
    case 'domain':
      return { class: 'service', name: `domain:${base}` };
    case 'resource': {
      const mapped = RESOURCE_TYPES[String(spec.type ?? '').toLowerCase()];
      return mapped ? { class: mapped.class, name: base } : { class: 'application', name: `resource:${base}` };
    }
    default:
      return undefined;
  }
}

/** The CIs a reference to an entity outside the import may be, most likely first. */
export function candidateCis(ref: EntityRef): CiName[] {
  const base = baseName(ref.namespace, ref.name);
  switch (ref.kind) {
    case 'component':
      return [
        { class: 'application', name: base },
        { class: 'software', name: base },
      ];
    case 'api':
      return [{ class: 'application', name: `api:${base}` }];
    case 'system':
      return [{ class: 'service', name: base }];
    case 'domain':
      return [{ class: 'service', name: `domain:${base}` }];
    case 'resource':
      return [
        ...RESOURCE_CLASSES.map((c) => ({ class: c, name: base })),
        { class: 'application', name: `resource:${base}` },
      ];
    default:
      return [];
  }
}

export function refKey(ref: EntityRef): string {
  return `${ref.kind}:${ref.namespace}/${ref.name}`.toLowerCase();
}

/**
 * Parses `[kind:][namespace/]name` as Backstage does: the kind defaults to the field's default
 * kind (a field without one requires it), the namespace to the referring entity's namespace.
 */
export function parseEntityRef(
  value: unknown,
  defaults: { kind?: string | undefined; namespace: string },
): EntityRef | string {
  if (typeof value !== 'string') return 'must be an entity reference string such as component:default/petstore';
  const match = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(value.trim());
  if (!match) return `"${value}" is not an entity reference ([kind:][namespace/]name)`;
  const kind = match[1] ?? defaults.kind;
  if (!kind) return `"${value}" needs a kind here, e.g. component:${value} or resource:${value}`;
  return { kind: kind.toLowerCase(), namespace: match[2] ?? defaults.namespace, name: match[3] as string };
}

/** The owner field of a CI from an owner reference: `team-a` for group:default/team-a, else the shortest ref. */
export function ownerOf(ref: EntityRef): string {
  return `${ref.kind === 'group' ? '' : `${ref.kind}:`}${baseName(ref.namespace, ref.name)}`;
}

function repositoryOf(metadata: Record<string, unknown>): string | undefined {
  const annotations = asRecord(metadata.annotations) ?? {};
  const source = annotations['backstage.io/source-location'];
  if (typeof source === 'string' && source.startsWith('url:')) return source.slice(4);
  const github = annotations['github.com/project-slug'];
  if (typeof github === 'string' && github.length > 0) return `https://github.com/${github}`;
  const gitlab = annotations['gitlab.com/project-slug'];
  if (typeof gitlab === 'string' && gitlab.length > 0) return `https://gitlab.com/${gitlab}`;
  return undefined;
}

function attributesOf(entity: CatalogEntity, ci: CiName): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (ci.class === 'application') {
    const repository = repositoryOf(entity.metadata);
    if (repository) attributes.repository = repository;
  }
  if (entity.kind.toLowerCase() === 'resource') {
    const engine = RESOURCE_TYPES[String(entity.spec.type ?? '').toLowerCase()]?.engine;
    if (engine && (ci.class === 'database' || ci.class === 'messaging')) attributes.engine = engine;
  }
  return attributes;
}

interface RawEntity {
  value: unknown;
  path: (string | number)[];
  document: Document.Parsed;
  documentNumber: number;
}

/** Splits files into entity candidates: a document is one entity, a list of them, or `{ items: [...] }`. */
function readDocuments(file: CatalogFile, problems: CatalogProblem[], lines: LineCounter): RawEntity[] {
  const out: RawEntity[] = [];
  const documents = parseAllDocuments(file.content, { lineCounter: lines, uniqueKeys: true });
  documents.forEach((document, i) => {
    const documentNumber = i + 1;
    const startLine = document.contents?.range ? lines.linePos(document.contents.range[0]).line : 1;
    const fail = (line: number, message: string) =>
      problems.push({ file: file.path, document: documentNumber, line, entity: null, code: 'INVALID_YAML', message });
    if (document.errors.length > 0) {
      const error = document.errors[0] as { message: string; linePos?: [{ line: number }] };
      fail(error.linePos?.[0].line ?? startLine, `Not valid YAML: ${error.message.split('\n')[0]}`);
      return;
    }
    let value: unknown;
    try {
      // The alias limit stops "billion laughs" documents from expanding without bound.
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      fail(startLine, `Not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (value === null || value === undefined) return;
    const items = asRecord(value)?.items;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        out.push({ value: item, path: [index], document, documentNumber });
      });
    } else if (asRecord(value)?.kind === undefined && Array.isArray(items)) {
      items.forEach((item, index) => {
        out.push({ value: item, path: ['items', index], document, documentNumber });
      });
    } else {
      out.push({ value, path: [], document, documentNumber });
    }
  });
  return out;
}

/**
 * Reads catalog files into entities, each with its location, reporting every document that is
 * not a valid entity. Aliases are expanded with yaml's default alias limit (no "billion laughs").
 */
export function readCatalog(files: readonly CatalogFile[]): {
  entities: CatalogEntity[];
  problems: CatalogProblem[];
  byKind: Record<string, number>;
} {
  const problems: CatalogProblem[] = [];
  const entities: CatalogEntity[] = [];
  const byKind: Record<string, number> = {};
  const seen = new Map<string, CatalogLocation>();
  for (const file of files) {
    const lines = new LineCounter();
    let raws: RawEntity[];
    try {
      raws = readDocuments(file, problems, lines);
    } catch (error) {
      problems.push({
        file: file.path,
        document: 1,
        line: 1,
        entity: null,
        code: 'INVALID_YAML',
        message: `Not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
      });
      continue;
    }
    for (const raw of raws) {
      const lineAt = (path: readonly (string | number)[]): number | undefined => {
        const node = raw.document.getIn([...raw.path, ...path], true) as
          | { range?: [number, number, number] }
          | undefined;
        return node?.range ? lines.linePos(node.range[0]).line : undefined;
      };
      const line = lineAt([]) ?? 1;
      const where = { file: file.path, document: raw.documentNumber, line };
      const fail = (code: string, message: string, entity: string | null = null, at = line) =>
        problems.push({ ...where, line: at, entity, code, message });
      const object = asRecord(raw.value);
      if (!object) {
        fail('INVALID_ENTITY', 'A catalog entity must be a mapping with apiVersion, kind and metadata');
        continue;
      }
      const { apiVersion, kind } = object;
      const metadata = asRecord(object.metadata);
      if (typeof kind !== 'string' || !KIND_PATTERN.test(kind)) {
        fail(
          'INVALID_ENTITY',
          'kind must be a Backstage kind such as Component, API, System, Resource, Group or Domain',
          null,
          lineAt(['kind']) ?? line,
        );
        continue;
      }
      if (!metadata || typeof metadata.name !== 'string') {
        fail('INVALID_ENTITY', 'metadata.name is required', null, lineAt(['metadata']) ?? line);
        continue;
      }
      const namespace = metadata.namespace === undefined ? DEFAULT_NAMESPACE : metadata.namespace;
      const display = `${kind.toLowerCase()}:${typeof namespace === 'string' ? namespace : DEFAULT_NAMESPACE}/${metadata.name}`;
      if (metadata.name.length > 63 || !NAME_PATTERN.test(metadata.name)) {
        fail(
          'INVALID_ENTITY',
          `metadata.name "${metadata.name}" must be 1–63 letters, digits and single - _ . between them`,
          display,
          lineAt(['metadata', 'name']) ?? line,
        );
        continue;
      }
      if (typeof namespace !== 'string' || namespace.length > 63 || !NAMESPACE_PATTERN.test(namespace)) {
        fail(
          'INVALID_ENTITY',
          'metadata.namespace must be lower-case letters, digits and single dashes',
          display,
          lineAt(['metadata', 'namespace']) ?? line,
        );
        continue;
      }
      const lowerKind = kind.toLowerCase();
      if (
        (CI_KINDS.has(lowerKind) || lowerKind === 'group') &&
        (typeof apiVersion !== 'string' || !API_VERSION_PATTERN.test(apiVersion))
      ) {
        fail(
          'INVALID_ENTITY',
          `apiVersion must be backstage.io/v1alpha1 or backstage.io/v1beta1 for kind ${kind}`,
          display,
          lineAt(['apiVersion']) ?? line,
        );
        continue;
      }
      const spec = object.spec === undefined ? {} : asRecord(object.spec);
      if (!spec) {
        fail('INVALID_ENTITY', 'spec must be a mapping', display, lineAt(['spec']) ?? line);
        continue;
      }
      const key = `${lowerKind}:${namespace}/${metadata.name}`.toLowerCase();
      const first = seen.get(key);
      if (first) {
        fail(
          'DUPLICATE_ENTITY',
          `${display} is already defined in ${first.file ?? 'the body'}, document ${first.document}, line ${first.line}`,
          display,
        );
        continue;
      }
      seen.set(key, where);
      if (entities.length >= MAX_CATALOG_ENTITIES) {
        fail(
          'TOO_MANY_ENTITIES',
          `An import holds at most ${MAX_CATALOG_ENTITIES} entities; split the catalog`,
          display,
        );
        continue;
      }
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      entities.push({
        ...where,
        kind,
        namespace,
        name: metadata.name,
        key,
        spec,
        metadata,
        relations: object.relations,
        lineOf: (path) => lineAt(path) ?? line,
      });
    }
  }
  return { entities, problems, byKind };
}

/** The reference fields of each kind: field, default kind, relationship type and direction. */
const REFERENCE_FIELDS: Record<
  string,
  { field: string; defaultKind?: string; type: 'depends_on' | 'part_of'; direction: 'out' | 'in' }[]
> = {
  component: [
    { field: 'dependsOn', type: 'depends_on', direction: 'out' },
    { field: 'dependencyOf', type: 'depends_on', direction: 'in' },
    { field: 'consumesApis', defaultKind: 'api', type: 'depends_on', direction: 'out' },
    // A change to the implementation impacts the API it provides (and through it, its consumers).
    { field: 'providesApis', defaultKind: 'api', type: 'depends_on', direction: 'in' },
    { field: 'system', defaultKind: 'system', type: 'part_of', direction: 'out' },
    { field: 'subcomponentOf', defaultKind: 'component', type: 'part_of', direction: 'out' },
  ],
  api: [{ field: 'system', defaultKind: 'system', type: 'part_of', direction: 'out' }],
  resource: [
    { field: 'dependsOn', type: 'depends_on', direction: 'out' },
    { field: 'dependencyOf', type: 'depends_on', direction: 'in' },
    { field: 'system', defaultKind: 'system', type: 'part_of', direction: 'out' },
  ],
  system: [{ field: 'domain', defaultKind: 'domain', type: 'part_of', direction: 'out' }],
  domain: [{ field: 'subdomainOf', defaultKind: 'domain', type: 'part_of', direction: 'out' }],
};

/** Relations as the catalog API returns them (`relations: [{ type, targetRef }]`), forward types only. */
const EXPORTED_RELATIONS: Record<string, { type: 'depends_on' | 'part_of'; direction: 'out' | 'in' }> = {
  dependsOn: { type: 'depends_on', direction: 'out' },
  dependencyOf: { type: 'depends_on', direction: 'in' },
  consumesApi: { type: 'depends_on', direction: 'out' },
  providesApi: { type: 'depends_on', direction: 'in' },
  partOf: { type: 'part_of', direction: 'out' },
};

/** Plans the CIs and relationships of a catalog; references are left for the caller to resolve. */
export function planCatalog(files: readonly CatalogFile[]): CatalogPlan {
  const { entities, problems, byKind } = readCatalog(files);
  const plan: CatalogPlan = { cis: [], relations: [], problems, byKind, skipped: {} };
  for (const entity of entities) {
    const kind = entity.kind.toLowerCase();
    const display = entity.key;
    const problem = (code: string, message: string, path: readonly (string | number)[]) =>
      plan.problems.push({
        file: entity.file,
        document: entity.document,
        line: entity.lineOf(path),
        entity: display,
        code,
        message,
      });
    const ci = ciOfEntity(entity.kind, entity.namespace, entity.name, entity.spec);
    if (!ci) {
      if (kind !== 'group') plan.skipped[entity.kind] = (plan.skipped[entity.kind] ?? 0) + 1;
      continue;
    }
    let owner: string | undefined;
    if (entity.spec.owner !== undefined) {
      const ref = parseEntityRef(entity.spec.owner, { kind: 'group', namespace: entity.namespace });
      if (typeof ref === 'string') problem('INVALID_REF', `spec.owner: ${ref}`, ['spec', 'owner']);
      else owner = ownerOf(ref);
    }
    const add = (
      value: unknown,
      path: (string | number)[],
      field: string,
      defaultKind: string | undefined,
      type: 'depends_on' | 'part_of',
      direction: 'out' | 'in',
    ) => {
      const ref = parseEntityRef(value, { kind: defaultKind, namespace: entity.namespace });
      if (typeof ref === 'string') {
        problem('INVALID_REF', `${field}: ${ref}`, path);
        return;
      }
      plan.relations.push({
        entity,
        self: ci,
        other: ref,
        type,
        direction,
        field,
        at: { file: entity.file, document: entity.document, line: entity.lineOf(path) },
      });
    };
    for (const reference of REFERENCE_FIELDS[kind] ?? []) {
      const value = entity.spec[reference.field];
      if (value === undefined || value === null) continue;
      const field = `spec.${reference.field}`;
      const single =
        reference.field === 'system' ||
        reference.field === 'subcomponentOf' ||
        reference.field === 'domain' ||
        reference.field === 'subdomainOf';
      if (single) {
        add(value, ['spec', reference.field], field, reference.defaultKind, reference.type, reference.direction);
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          add(item, ['spec', reference.field, i], field, reference.defaultKind, reference.type, reference.direction);
        });
      } else {
        problem('INVALID_ENTITY', `${field} must be a list of entity references`, ['spec', reference.field]);
      }
    }
    if (Array.isArray(entity.relations)) {
      entity.relations.forEach((relation: unknown, i) => {
        const r = asRecord(relation);
        if (!r || typeof r.type !== 'string') return;
        if (r.type === 'ownedBy' && owner === undefined) {
          const ref = parseEntityRef(r.targetRef, { kind: 'group', namespace: entity.namespace });
          if (typeof ref !== 'string') owner = ownerOf(ref);
          return;
        }
        const mapped = EXPORTED_RELATIONS[r.type];
        if (mapped)
          add(
            r.targetRef,
            ['relations', i, 'targetRef'],
            `relations.${r.type}`,
            undefined,
            mapped.type,
            mapped.direction,
          );
      });
    }
    plan.cis.push({ entity, ci, owner, attributes: attributesOf(entity, ci) });
  }
  return plan;
}
