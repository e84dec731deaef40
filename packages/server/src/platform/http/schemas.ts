import { type TSchema, Type } from 'typebox';

/** The error body every 4xx/5xx response carries (docs/errors.md lists the codes). */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'An error: a stable code, a human message, optional details' },
);

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Items per page' })),
  cursor: Type.Optional(Type.String({ maxLength: 2000, description: 'The `next` value of the previous page' })),
};

/** `{ items: [...], next: cursor | null }` */
export function Page<T extends TSchema>(item: T, description?: string) {
  return Type.Object(
    { items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) },
    description ? { description } : {},
  );
}

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** Headers a creating POST may carry. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Replays the first answer when the request is retried' }),
  ),
});

/** Headers a write to a versioned object may carry. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({ maxLength: 100, description: 'The ETag of the version this write is based on' }),
  ),
});

/** A string that must be one of `values`, typed as their union. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
