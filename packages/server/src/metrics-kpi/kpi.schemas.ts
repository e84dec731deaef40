import { DORA_BANDS, KPI_BUCKETS, RELEASE_ELEMENTS } from '@slipway/model';
import { Type } from 'typebox';
import { StringEnum, Timestamp } from '../platform/http/schemas.js';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableBand = Type.Union([StringEnum(DORA_BANDS), Type.Null()]);

const RatioFields = {
  numerator: Type.Integer(),
  denominator: Type.Integer({ description: 'What the ratio is over; 0 means there was nothing to count' }),
  value: Type.Union([Type.Number(), Type.Null()], {
    description: 'numerator / denominator; null when the denominator is 0',
  }),
};
const Ratio = Type.Object(RatioFields);

export const KpiQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Start (inclusive); default 90 days before `to`' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'End (exclusive); default now' })),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Name of a service CI' })),
    element: Type.Optional(StringEnum(RELEASE_ELEMENTS, { description: 'Release element (release figures only)' })),
    bucket: Type.Optional(StringEnum(KPI_BUCKETS, { description: 'Trend bucket; default by period length' })),
  },
  { additionalProperties: false },
);

export const DoraQuerySchema = Type.Object(
  {
    from: KpiQuerySchema.properties.from,
    to: KpiQuerySchema.properties.to,
    service: KpiQuerySchema.properties.service,
    element: KpiQuerySchema.properties.element,
  },
  { additionalProperties: false },
);

export const KpiFiguresSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  downtime: Type.Object({
    totalMinutes: Type.Number(),
    rolloutMinutes: Type.Number({ description: 'Per-target downtime recorded by production rollouts' }),
    incidentMinutes: Type.Number({ description: 'Minutes of incidents caused by releases, within the period' }),
    byService: Type.Array(
      Type.Object({
        service: Type.String(),
        minutes: Type.Number(),
        rolloutMinutes: Type.Number(),
        incidentMinutes: Type.Number(),
      }),
    ),
  }),
  rolloutsOnTime: Type.Object({
    ...RatioFields,
    running: Type.Integer({ description: 'Production rollouts still running (not counted)' }),
    unplanned: Type.Integer({ description: 'Finished rollouts without a planned end (not counted)' }),
  }),
  backoutRate: Ratio,
  changeSuccessRate: Type.Object({ ...RatioFields, failed: Type.Integer(), unreviewed: Type.Integer() }),
  emergencyChangeRatio: Ratio,
  unauthorizedCis: NullableNumber,
  unlicensedCis: NullableNumber,
  releases: Type.Object({
    total: Type.Integer(),
    byType: Type.Record(Type.String(), Type.Integer()),
    byElement: Type.Record(Type.String(), Type.Integer()),
  }),
  leadTimeHours: Type.Object({ count: Type.Integer(), median: NullableNumber, mean: NullableNumber }),
});

const Filter = Type.Object({
  element: Type.Union([Type.String(), Type.Null()]),
  service: Type.Union([Type.String(), Type.Null()]),
});

export const KpiReportSchema = Type.Object(
  {
    filter: Filter,
    bucket: StringEnum(KPI_BUCKETS),
    summary: KpiFiguresSchema,
    trend: Type.Array(KpiFiguresSchema),
  },
  { description: 'KPIs for the period (summary) and per bucket (trend); definitions in docs/metrics.md' },
);

export const DoraReportSchema = Type.Object(
  {
    filter: Filter,
    from: Timestamp,
    to: Timestamp,
    deployments: Type.Integer(),
    deploymentFrequency: Type.Object({
      perDay: Type.Number(),
      perWeek: Type.Number(),
      days: Type.Number(),
      band: StringEnum(DORA_BANDS),
    }),
    leadTimeForChanges: Type.Object({ medianHours: NullableNumber, count: Type.Integer(), band: NullableBand }),
    changeFailureRate: Type.Object({
      ...RatioFields,
      band: NullableBand,
      unattributedIncidents: Type.Integer({ description: 'Incidents in the period with no recorded cause' }),
    }),
    timeToRestore: Type.Object({
      medianHours: NullableNumber,
      restored: Type.Integer(),
      unresolved: Type.Integer(),
      band: NullableBand,
    }),
  },
  { description: 'The DORA four keys with their performance bands (docs/metrics.md)' },
);
