import { Type } from 'typebox';
import { Timestamp } from '../platform/http/schemas.js';
import { DEFAULT_ORPHAN_IGNORED_CLASSES, MAX_EXAMPLES } from './quality.service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const QualityQuery = Type.Object(
  {
    staleDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        default: 30,
        description: 'A CI its import source has not reported for this many days counts as not seen',
      }),
    ),
    examples: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_EXAMPLES, default: 10, description: 'Examples listed per category' }),
    ),
    orphanIgnoreClasses: Type.Optional(
      Type.String({
        maxLength: 1000,
        pattern: '^[a-z0-9_,]*$',
        description: `Comma-separated classes never counted as orphans (default: ${DEFAULT_ORPHAN_IGNORED_CLASSES.join(',')}; empty: none)`,
      }),
    ),
  },
  { additionalProperties: false },
);

const QualityCiSchema = Type.Object({
  id: Type.Integer(),
  class: Type.String(),
  name: Type.String(),
  status: Type.String(),
  owner: Nullable(Type.String()),
  source: Nullable(Type.String()),
  lastSeenAt: Nullable(Timestamp),
});

const EndSchema = Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String(), status: Type.String() });

export const QualityReportSchema = Type.Object({
  generatedAt: Timestamp,
  totals: Type.Object({
    cis: Type.Integer(),
    liveCis: Type.Integer({ description: 'CIs that are not retired' }),
    relationships: Type.Integer(),
  }),
  withoutOwner: Type.Object(
    { count: Type.Integer(), examples: Type.Array(QualityCiSchema) },
    { description: 'CIs that are not retired and have no owner' },
  ),
  orphans: Type.Object(
    { count: Type.Integer(), ignoredClasses: Type.Array(Type.String()), examples: Type.Array(QualityCiSchema) },
    { description: 'CIs that are not retired and have no relationship at all (reference-data classes ignored)' },
  ),
  notSeen: Type.Object(
    { count: Type.Integer(), staleDays: Type.Integer(), cutoff: Timestamp, examples: Type.Array(QualityCiSchema) },
    {
      description:
        'CIs that are not retired, came from an import source, and were last reported before the cutoff (oldest first)',
    },
  ),
  duplicates: Type.Object(
    {
      count: Type.Integer({ description: 'Groups of likely duplicates' }),
      cis: Type.Integer({ description: 'CIs in those groups' }),
      examples: Type.Array(
        Type.Object({
          class: Type.String(),
          normalizedName: Type.String(),
          cis: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), status: Type.String() }), {
            description: 'At most 10 per group',
          }),
        }),
      ),
    },
    {
      description:
        'CIs of one class whose names are equal after lower-casing and removing everything but letters and digits',
    },
  ),
  retiredRelationships: Type.Object(
    {
      count: Type.Integer(),
      examples: Type.Array(
        Type.Object({ id: Type.Integer(), type: Type.String(), source: EndSchema, target: EndSchema }),
      ),
    },
    { description: 'Relationships to or from a retired CI' },
  ),
});
