import { ATTRIBUTE_TYPES, CI_STATUSES, CRITICALITIES, RELATIONSHIP_TYPE_NAMES } from '@slipway/model';
import { Type } from 'typebox';
import { NullableTimestamp, PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const CiStatusSchema = StringEnum(CI_STATUSES);
export const CriticalitySchema = StringEnum(CRITICALITIES);
export const RelationshipTypeSchema = StringEnum(RELATIONSHIP_TYPE_NAMES, {
  description: 'A relationship type from the catalogue (GET /api/v1/relationship-types)',
});
const Attributes = Type.Record(Type.String(), Type.Unknown(), { description: "Typed attributes of the CI's class" });

export const CiSchema = Type.Object(
  {
    id: Type.Integer(),
    class: Type.String(),
    name: Type.String(),
    status: Type.String(),
    environment: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    criticality: Nullable(Type.String()),
    attributes: Attributes,
    source: Nullable(Type.String({ description: 'The import source that last reported this CI' })),
    lastSeenAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A configuration item' },
);

export const CiRefSchema = Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() });

export const CreateCiBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    class: Type.String({ minLength: 1, maxLength: 63 }),
    status: Type.Optional(CiStatusSchema),
    environment: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    owner: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    criticality: Type.Optional(Nullable(CriticalitySchema)),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false },
);

export const PatchCiBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    status: Type.Optional(CiStatusSchema),
    environment: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    owner: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    criticality: Type.Optional(Nullable(CriticalitySchema)),
    attributes: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Merged into the current attributes; null removes one',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const CiListQuery = Type.Object(
  {
    ...PageQuery,
    class: Type.Optional(Type.String({ maxLength: 63 })),
    name: Type.Optional(Type.String({ maxLength: 255, description: 'Exact name' })),
    environment: Type.Optional(Type.String({ maxLength: 32 })),
    status: Type.Optional(CiStatusSchema),
    owner: Type.Optional(Type.String({ maxLength: 200 })),
    criticality: Type.Optional(CriticalitySchema),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Part of the name, case-insensitive' })),
  },
  { additionalProperties: false },
);

/** Header naming what a CMDB write happens under, recorded in each CI's history. */
export const ContextHeaders = Type.Object({
  'slipway-context': Type.Optional(
    Type.String({
      pattern: '^(change|release|rollout|incident|import):[A-Za-z0-9._-]{1,64}$',
      description: 'What this write happens under, e.g. change:12 or release:3 (shown in CI history)',
    }),
  ),
  'if-match': Type.Optional(Type.String({ maxLength: 100 })),
});

export const HistoryEntrySchema = Type.Object({
  id: Type.Integer(),
  ciId: Type.Integer(),
  at: Timestamp,
  actor: Type.Object({ id: Nullable(Type.Integer()), name: Type.String() }),
  requestId: Nullable(Type.String()),
  context: Nullable(Type.String()),
  action: Type.String(),
  changes: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() })),
});

export const RelationshipSchema = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  type: Type.String(),
  targetId: Type.Integer(),
  inverse: Type.String({ description: "The type read from the target's side" }),
  origin: Type.String({ description: '"manual" or the import source that asserted it' }),
  createdAt: Timestamp,
  lastSeenAt: NullableTimestamp,
  source: CiRefSchema,
  target: CiRefSchema,
});

export const CreateRelationshipBody = Type.Object(
  {
    sourceId: Type.Integer({ minimum: 1 }),
    type: Type.String({ minLength: 1, maxLength: 50, description: `One of: ${RELATIONSHIP_TYPE_NAMES.join(', ')}` }),
    targetId: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export const RelationshipListQuery = Type.Object(
  {
    ...PageQuery,
    ciId: Type.Optional(Type.Integer({ minimum: 1, description: 'Relationships where this CI is either end' })),
    sourceId: Type.Optional(Type.Integer({ minimum: 1 })),
    targetId: Type.Optional(Type.Integer({ minimum: 1 })),
    type: Type.Optional(RelationshipTypeSchema),
    origin: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const RelationshipTypeInfo = Type.Object({
  name: Type.String(),
  inverse: Type.String(),
  description: Type.String(),
  propagation: StringEnum(['target_to_source', 'source_to_target', 'none'] as const),
  symmetric: Type.Boolean(),
});

export const AttributeDefinitionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    type: StringEnum(ATTRIBUTE_TYPES),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    required: Type.Optional(Type.Boolean()),
    values: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const CiClassSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  description: Type.String(),
  attributes: Type.Array(AttributeDefinitionSchema),
  builtin: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
});

export const CreateCiClassBody = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 63 }),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    attributes: Type.Optional(Type.Array(AttributeDefinitionSchema, { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const PatchCiClassBody = Type.Object(
  {
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    addAttributes: Type.Optional(Type.Array(AttributeDefinitionSchema, { maxItems: 200 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GraphQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000, default: 100, description: 'Items per page (0: count only)' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    depth: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Hops to follow (default: no limit)' }),
    ),
    types: Type.Optional(
      Type.String({
        maxLength: 300,
        description: `Comma-separated relationship types to follow (default: all): ${RELATIONSHIP_TYPE_NAMES.join(', ')}`,
      }),
    ),
    classes: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'Comma-separated CI classes to list (the walk still crosses others)',
      }),
    ),
    explain: Type.Optional(
      Type.Integer({ minimum: 1, description: 'A CI id: return one shortest propagation path to it' }),
    ),
  },
  { additionalProperties: false },
);

export const GraphAnswer = Type.Object({
  root: CiRefSchema,
  direction: StringEnum(['impact', 'dependencies'] as const),
  count: Type.Integer({ description: 'CIs reached (the root excluded), after the class filter' }),
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      class: Type.String(),
      name: Type.String(),
      depth: Type.Integer(),
      via: Type.Object(
        { id: Type.Integer(), type: Type.String() },
        {
          description:
            'The CI this one was reached from (one hop closer to the root) and the relationship type crossed: for impact, the CI whose change propagates here; for dependencies, the CI that needs this one',
        },
      ),
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()]),
  summary: Type.Array(Type.Object({ class: Type.String(), count: Type.Integer() }), {
    description: 'Reached CIs by class, services first, then by count',
  }),
  path: Type.Optional(
    Type.Union(
      [
        Type.Array(
          Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String(), via: Nullable(Type.String()) }),
        ),
        Type.Null(),
      ],
      {
        description:
          'With explain: the hops from the root to the explained CI, each with the relationship type it crossed; null when not reached',
      },
    ),
  ),
});
