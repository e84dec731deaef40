import { HARDWARE_CI_CLASSES, HARDWARE_ITEM_STATES, RESERVATION_STATES } from '@slipway/model';
import { Type } from 'typebox';
import { PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

export const SiteSchema = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String(),
    name: Type.String(),
    ciId: Nullable(Type.Integer({ description: 'The CMDB site CI deployed items are located_in' })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A site of the hardware store' },
);

export const CreateSiteBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 32 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    ciId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);

export const PatchSiteBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ciId: Type.Optional(Nullable(Id)) },
  { additionalProperties: false },
);

export const ModelSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    manufacturer: Nullable(Type.String()),
    ciClass: StringEnum(HARDWARE_CI_CLASSES),
    ciId: Nullable(Type.Integer({ description: 'The CMDB hardware_model CI' })),
    lowStockThreshold: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A hardware model stocked in the store' },
);

export const CreateModelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    manufacturer: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    ciClass: Type.Optional(StringEnum(HARDWARE_CI_CLASSES, { description: 'Defaults from the linked CI category' })),
    ciId: Type.Optional(Nullable(Id)),
    lowStockThreshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export const PatchModelBody = Type.Object(
  {
    manufacturer: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    ciId: Type.Optional(Nullable(Id)),
    lowStockThreshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export const ItemSchema = Type.Object(
  {
    id: Type.Integer(),
    modelId: Type.Integer(),
    serial: Type.String(),
    siteId: Type.Integer(),
    state: StringEnum(HARDWARE_ITEM_STATES),
    warrantyEnd: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    reservationId: Nullable(Type.Integer()),
    ciId: Nullable(Type.Integer({ description: 'The CI the item became when deployed' })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A stock item of the hardware store' },
);

export const ReceiveItemBody = Type.Object(
  {
    modelId: Id,
    siteId: Id,
    serial: Type.String({ minLength: 1, maxLength: 100 }),
    warrantyEnd: Type.Optional(Nullable(DateOnly)),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);

export const PatchItemBody = Type.Object(
  {
    warrantyEnd: Type.Optional(Nullable(DateOnly)),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);

export const ItemListQuery = Type.Object(
  {
    ...PageQuery,
    modelId: Type.Optional(Id),
    siteId: Type.Optional(Id),
    state: Type.Optional(StringEnum(HARDWARE_ITEM_STATES)),
    serial: Type.Optional(Type.String({ maxLength: 100 })),
    reservationId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const MoveBody = Type.Object({ siteId: Id }, { additionalProperties: false });
export const RetireItemBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
export const DeployBody = Type.Object(
  {
    ciName: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Name of the CI the item becomes, e.g. its host name',
    }),
    environment: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  },
  { additionalProperties: false },
);

const StockLevelSchema = Type.Object({
  modelId: Type.Integer(),
  model: Type.String(),
  siteId: Nullable(Type.Integer()),
  site: Nullable(Type.String()),
  inStock: Type.Integer(),
  reserved: Type.Integer(),
  deployed: Type.Integer(),
  retired: Type.Integer(),
  threshold: Type.Integer(),
  low: Type.Boolean({ description: 'In stock below the model threshold' }),
});

export const StockSchema = Type.Object({ bySite: Type.Array(StockLevelSchema), byModel: Type.Array(StockLevelSchema) });

export const StockQuery = Type.Object(
  {
    modelId: Type.Optional(Id),
    siteId: Type.Optional(Id),
    low: Type.Optional(Type.Boolean({ description: 'Only what is below its threshold' })),
  },
  { additionalProperties: false },
);

const LineSchema = Type.Object(
  { modelId: Id, siteId: Id, quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) },
  { additionalProperties: false },
);

export const ReservationSchema = Type.Object(
  {
    id: Type.Integer(),
    releaseId: Type.Integer(),
    state: StringEnum(RESERVATION_STATES),
    note: Nullable(Type.String()),
    lines: Type.Array(LineSchema),
    itemIds: Type.Array(Type.Integer()),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'Stock reserved for a release' },
);

export const CreateReservationBody = Type.Object(
  {
    releaseId: Id,
    lines: Type.Array(LineSchema, { minItems: 1, maxItems: 500 }),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);

export const ReservationListQuery = Type.Object(
  { ...PageQuery, releaseId: Type.Optional(Id), state: Type.Optional(StringEnum(RESERVATION_STATES)) },
  { additionalProperties: false },
);

export const SimplePageQuery = Type.Object(PageQuery, { additionalProperties: false });
