import { Type } from 'typebox';
import { PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';
import { BASELINE_CLOSURES } from './baseline.repository.js';
import { DIFF_SECTIONS, MAX_SCOPE_CIS } from './baseline.service.js';
import { CiRefSchema } from './cmdb.schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const BaselineScopeSchema = Type.Object(
  {
    ciIds: Type.Array(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), {
      minItems: 1,
      maxItems: MAX_SCOPE_CIS,
      description: 'The CIs the scope starts from',
    }),
    closure: Type.Optional(
      StringEnum(BASELINE_CLOSURES, {
        description:
          'What to add to those CIs: none (default), impact (every CI their changes impact), dependencies (every CI they need), both',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BaselineSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    scope: Nullable(
      Type.Object(
        { ciIds: Type.Array(Type.Integer()), closure: StringEnum(BASELINE_CLOSURES) },
        { description: 'null: the whole CMDB' },
      ),
    ),
    ciCount: Type.Integer(),
    relationshipCount: Type.Integer(),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ description: 'Always 1: baselines are immutable' }),
  },
  { description: 'A named, immutable snapshot of CIs and the relationships among them' },
);

export const CreateBaselineBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Unique among baselines' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    scope: Type.Optional(Nullable(BaselineScopeSchema)),
  },
  { additionalProperties: false },
);

export const CiSnapshotSchema = Type.Object(
  {
    id: Type.Integer({ description: 'The CI id' }),
    class: Type.String(),
    name: Type.String(),
    status: Type.String(),
    environment: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    criticality: Nullable(Type.String()),
    attributes: Type.Record(Type.String(), Type.Unknown()),
    version: Type.Integer({ description: 'The CI version the snapshot holds' }),
  },
  { description: 'A CI as a baseline (or the live CMDB) holds it' },
);

export const RelationshipSnapshotSchema = Type.Object({
  sourceId: Type.Integer(),
  type: Type.String(),
  targetId: Type.Integer(),
  source: CiRefSchema,
  target: CiRefSchema,
});

export const CiChangeSchema = Type.Object({
  id: Type.Integer(),
  class: Type.String(),
  name: Type.String({ description: 'The name on the `against` side' }),
  fromVersion: Type.Integer(),
  toVersion: Type.Integer(),
  changes: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() }), {
    description: 'name, status, environment, owner, criticality and attributes.<name> that differ',
  }),
});

export const BaselineListQuery = Type.Object(PageQuery, { additionalProperties: false });

export const BaselineCisQuery = Type.Object(
  { ...PageQuery, class: Type.Optional(Type.String({ maxLength: 63 })) },
  { additionalProperties: false },
);

const Against = Type.Optional(
  Type.String({
    pattern: '^(live|[1-9][0-9]{0,9})$',
    default: 'live',
    description:
      '`live` (default: the live CMDB; for a scoped baseline, the same scope evaluated now) or another baseline id',
  }),
);

export const DiffQuery = Type.Object(
  {
    against: Against,
    limit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        default: 100,
        description: 'Items listed per section (0: counts only)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DiffSectionParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  section: StringEnum(DIFF_SECTIONS),
});

export const DiffSectionQuery = Type.Object(
  {
    against: Against,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Items per page' })),
    cursor: Type.Optional(
      Type.String({ maxLength: 2000, description: 'A `next` value from the diff or the previous page' }),
    ),
  },
  { additionalProperties: false },
);

function counted<T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) {
  return Type.Object(
    {
      count: Type.Integer({ description: 'All of them, not just the listed ones' }),
      items: Type.Array(item),
      next: Nullable(Type.String({ description: 'Continue with GET …/diff/{section}?cursor=' })),
    },
    { description },
  );
}

export const BaselineDiffSchema = Type.Object({
  baseline: Type.Object({ id: Type.Integer(), name: Type.String(), createdAt: Timestamp }),
  against: Type.Object({
    live: Type.Boolean(),
    id: Nullable(Type.Integer()),
    name: Nullable(Type.String()),
    createdAt: Nullable(Timestamp),
  }),
  cis: Type.Object({
    added: counted(CiSnapshotSchema, 'CIs on the against side only'),
    removed: counted(CiSnapshotSchema, 'CIs in the baseline only'),
    changed: counted(CiChangeSchema, 'CIs on both sides whose fields differ'),
  }),
  relationships: Type.Object({
    added: counted(RelationshipSnapshotSchema, 'Relationships on the against side only'),
    removed: counted(RelationshipSnapshotSchema, 'Relationships in the baseline only'),
  }),
});

export const DiffSectionPage = Type.Object({
  items: Type.Array(Type.Union([CiSnapshotSchema, CiChangeSchema, RelationshipSnapshotSchema])),
  next: Nullable(Type.String()),
});
