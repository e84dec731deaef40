import { ARTIFACT_STATES, COMPLIANCE_FINDING_KINDS, LICENCE_VERDICTS, RELEASE_ELEMENTS } from '@slipway/model';
import { Type } from 'typebox';
import { NullableTimestamp, PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const SoftwareRangeSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Another software product, e.g. openssl' }),
    range: Type.String({ minLength: 1, maxLength: 200, description: 'A semver range, e.g. ">=3.0.0 <4"' }),
  },
  { additionalProperties: false },
);

const LicenceJudgement = Type.Object(
  {
    verdict: StringEnum(LICENCE_VERDICTS),
    rule: Type.String({
      description: 'The policy rule that decided: licences.allow, licences.deny or licences.unknown',
    }),
    reason: Type.String(),
  },
  { description: "The current release policy's verdict" },
);

export const ArtifactSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    artifactVersion: Type.String({ description: "The artifact's own version (version is the record's revision)" }),
    sha256: Type.String({ description: 'Hex SHA-256 of the content, computed by the server' }),
    size: Type.Integer({ description: 'Bytes' }),
    element: Nullable(StringEnum(RELEASE_ELEMENTS)),
    supplier: Nullable(Type.String()),
    license: Type.String({ description: 'SPDX licence expression' }),
    licence: LicenceJudgement,
    description: Type.String(),
    requires: Type.Array(SoftwareRangeSchema),
    conflicts: Type.Array(SoftwareRangeSchema),
    state: StringEnum(ARTIFACT_STATES),
    stateReason: Nullable(Type.String()),
    uploadedBy: Type.Object({ id: Nullable(Type.Integer()), name: Type.String() }),
    approvedBy: Nullable(Type.String()),
    approvedAt: NullableTimestamp,
    lastVerifiedAt: NullableTimestamp,
    signature: Nullable(
      Type.Object({
        keyId: Nullable(Type.String()),
        status: StringEnum(['verified', 'failed'] as const),
        reason: Nullable(Type.String()),
        trustedComment: Nullable(Type.String()),
      }),
    ),
    sbom: Nullable(
      Type.Object(
        { id: Type.Integer(), specVersion: Type.String(), components: Type.Integer() },
        { description: 'The attached CycloneDX SBOM; null when none is attached' },
      ),
    ),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'An artifact of the Definitive Software Library' },
);

const metadataFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  artifactVersion: Type.String({ minLength: 1, maxLength: 100 }),
  license: Type.String({
    minLength: 1,
    maxLength: 2000,
    description: 'SPDX licence expression, e.g. "MIT OR Apache-2.0"',
  }),
  element: Type.Optional(Nullable(StringEnum(RELEASE_ELEMENTS))),
  supplier: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
};

/** The JSON form of a push: small artifacts inline, base64 (like npm's publish document). */
export const CreateArtifactJsonBody = Type.Object(
  {
    ...metadataFields,
    requires: Type.Optional(Type.Array(SoftwareRangeSchema, { maxItems: 100 })),
    conflicts: Type.Optional(Type.Array(SoftwareRangeSchema, { maxItems: 100 })),
    content: Type.String({ description: 'The bytes, base64; up to the JSON body limit (1 MiB by default)' }),
    sha256: Type.Optional(
      Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'Expected SHA-256: a mismatch is refused (422)' }),
    ),
  },
  { additionalProperties: false },
);

/** The streamed form's metadata, in the query string. */
export const PushQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    artifactVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    license: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    element: Type.Optional(StringEnum(RELEASE_ELEMENTS)),
    supplier: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    requires: Type.Optional(
      Type.Array(Type.String({ maxLength: 400 }), {
        maxItems: 100,
        description: 'Repeatable: "<product> <semver range>", e.g. "openssl >=3.0.0 <4"',
      }),
    ),
    conflicts: Type.Optional(
      Type.Array(Type.String({ maxLength: 400 }), { maxItems: 100, description: 'Repeatable, like requires' }),
    ),
  },
  { additionalProperties: false },
);

export const PushHeaders = Type.Object({
  'content-digest': Type.Optional(
    Type.String({ maxLength: 500, description: 'RFC 9530 "sha-256=:<base64>:": the SHA-256 the client expects' }),
  ),
  'slipway-expected-sha256': Type.Optional(
    Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'The SHA-256 the client expects, hex' }),
  ),
});

export const PatchArtifactBody = Type.Object(
  {
    license: Type.Optional(metadataFields.license),
    element: Type.Optional(Nullable(StringEnum(RELEASE_ELEMENTS))),
    supplier: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    requires: Type.Optional(Type.Array(SoftwareRangeSchema, { maxItems: 100 })),
    conflicts: Type.Optional(Type.Array(SoftwareRangeSchema, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const ArtifactListQuery = Type.Object(
  {
    ...PageQuery,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    state: Type.Optional(StringEnum(ARTIFACT_STATES)),
    element: Type.Optional(StringEnum(RELEASE_ELEMENTS)),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the name' })),
  },
  { additionalProperties: false },
);

export const RetireBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

export const SignatureBody = Type.Object(
  { minisig: Type.String({ minLength: 1, maxLength: 4096, description: 'The .minisig file as minisign wrote it' }) },
  { additionalProperties: false },
);

export const VerifyResultSchema = Type.Object({
  ok: Type.Boolean(),
  content: StringEnum(['ok', 'changed', 'missing'] as const),
  expectedSha256: Type.String(),
  actualSha256: Nullable(Type.String()),
  signature: Nullable(
    Type.Object({ status: StringEnum(['verified', 'failed'] as const), reason: Nullable(Type.String()) }),
  ),
  artifact: ArtifactSchema,
});

export const VerifyAllSchema = Type.Object({
  checked: Type.Integer(),
  ok: Type.Integer(),
  compromised: Type.Array(Type.Integer()),
  signatureFailures: Type.Array(Type.Integer()),
  durationMs: Type.Integer(),
});

export const VerificationStatusSchema = Type.Object({
  intervalMinutes: Type.Number(),
  nextRunAt: NullableTimestamp,
  running: Type.Boolean(),
  lastStartedAt: NullableTimestamp,
  lastFinishedAt: NullableTimestamp,
  lastResult: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const TrustedKeySchema = Type.Object(
  {
    id: Type.Integer(),
    keyId: Type.String({ description: 'minisign key id, 16 hex digits' }),
    name: Type.String(),
    publicKey: Type.String({ description: 'The base64 line of the minisign public key' }),
    createdBy: Type.String(),
    revokedAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A minisign public key trusted to sign artifacts' },
);

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Whose key this is' }),
    publicKey: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'The minisign .pub file, or its base64 line',
    }),
  },
  { additionalProperties: false },
);

export const SbomSchema = Type.Object({
  id: Type.Integer(),
  artifactId: Type.Integer(),
  specVersion: Type.String(),
  serialNumber: Nullable(Type.String()),
  componentCount: Type.Integer(),
  sha256: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  licences: Type.Object({
    allowed: Type.Integer(),
    denied: Type.Integer(),
    needsReview: Type.Integer(),
    reviewed: Type.Integer(),
  }),
});

const SbomLicenceSchema = Type.Union([
  Type.Object({ id: Type.String() }),
  Type.Object({ name: Type.String() }),
  Type.Object({ expression: Type.String() }),
]);

export const SbomComponentSchema = Type.Object({
  id: Type.Integer(),
  ref: Type.String(),
  type: Type.String(),
  group: Nullable(Type.String()),
  name: Type.String(),
  version: Nullable(Type.String()),
  purl: Nullable(Type.String()),
  licenses: Type.Array(SbomLicenceSchema),
  licenseExpression: Nullable(Type.String()),
  licence: LicenceJudgement,
  review: Nullable(Type.Object({ by: Type.String(), at: Timestamp, note: Nullable(Type.String()) })),
});

export const ComponentListQuery = Type.Object(
  { ...PageQuery, verdict: Type.Optional(StringEnum(LICENCE_VERDICTS)) },
  { additionalProperties: false },
);

export const ComponentParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  componentId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});

export const ReviewBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

const DiffComponentSchema = Type.Object({
  group: Nullable(Type.String()),
  name: Type.String(),
  version: Nullable(Type.String()),
  purl: Nullable(Type.String()),
});
const ChangedComponentSchema = Type.Object({
  ...DiffComponentSchema.properties,
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
});

export const SbomDiffQuery = Type.Object(
  {
    from: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Artifact id of the older version' }),
    to: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Artifact id of the newer version' }),
  },
  { additionalProperties: false },
);

export const SbomDiffSchema = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  added: Type.Array(DiffComponentSchema),
  removed: Type.Array(DiffComponentSchema),
  upgraded: Type.Array(ChangedComponentSchema),
  downgraded: Type.Array(ChangedComponentSchema),
  unchanged: Type.Integer(),
});

export const ComplianceQuery = Type.Object(
  { ...PageQuery, kind: Type.Optional(StringEnum(COMPLIANCE_FINDING_KINDS)) },
  { additionalProperties: false },
);

const FindingKind = StringEnum(COMPLIANCE_FINDING_KINDS);

export const ComplianceReportSchema = Type.Object({
  policyVersion: Type.Integer(),
  counts: Type.Object({
    software: Type.Integer({ description: 'Installed software CIs checked' }),
    compliant: Type.Integer(),
    findings: Type.Integer({ description: 'Software CIs with at least one finding' }),
    unauthorized: Type.Integer(),
    unlicensed: Type.Integer(),
    needs_review: Type.Integer(),
    tampered: Type.Integer(),
  }),
  items: Type.Array(
    Type.Object({
      ci: Type.Object({ id: Type.Integer(), name: Type.String() }),
      product: Type.String(),
      softwareVersion: Nullable(Type.String()),
      license: Nullable(Type.String()),
      digest: Nullable(Type.String()),
      hosts: Type.Integer(),
      exampleHosts: Type.Array(Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() })),
      kinds: Type.Array(FindingKind),
      reasons: Type.Array(Type.Object({ kind: FindingKind, rule: Type.String(), message: Type.String() })),
      artifactId: Nullable(Type.Integer()),
    }),
  ),
  next: Nullable(Type.String()),
});

export const GateQuery = Type.Object(
  {
    ids: Type.String({ pattern: '^\\d{1,10}(,\\d{1,10}){0,499}$', description: 'Comma-separated artifact ids' }),
    element: Type.Optional(StringEnum(RELEASE_ELEMENTS)),
  },
  { additionalProperties: false },
);

export const GateAnswerSchema = Type.Object({
  releasable: Type.Boolean(),
  problems: Type.Array(Type.Object({ artifactId: Type.Integer(), rule: Type.String(), message: Type.String() })),
});
