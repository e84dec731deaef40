import type { ArtifactState, LicenceVerdict, ReleaseElement } from '@slipway/model';
import { readJson } from '../cmdb/json-column.js';
import type { ArtifactRow, SbomSummary } from './library.repository.js';
import type { LicencePolicyEvaluator } from './licence-policy.js';

/** A `requires` or `conflicts` entry: another software product and a semver range of it. */
export interface SoftwareRange {
  name: string;
  range: string;
}

export interface SignatureView {
  keyId: string | null;
  /** `verified` against a trusted key at `checkedAt`, or `failed` with a reason. */
  status: 'verified' | 'failed';
  reason: string | null;
  trustedComment: string | null;
}

/** An artifact as the API shows it. */
export interface Artifact {
  id: number;
  name: string;
  artifactVersion: string;
  sha256: string;
  size: number;
  element: ReleaseElement | null;
  supplier: string | null;
  license: string;
  /** The current release policy's verdict on `license`. */
  licence: { verdict: LicenceVerdict; rule: string; reason: string };
  description: string;
  requires: SoftwareRange[];
  conflicts: SoftwareRange[];
  state: ArtifactState;
  stateReason: string | null;
  uploadedBy: { id: number | null; name: string };
  approvedBy: string | null;
  approvedAt: string | null;
  lastVerifiedAt: string | null;
  signature: SignatureView | null;
  /** The attached CycloneDX SBOM, or null when none is attached. */
  sbom: SbomSummary | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The audit trail's view: the stored facts, without the policy's verdict of the moment. */
export function artifactAuditView(row: ArtifactRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    artifactVersion: row.artifact_version,
    sha256: row.sha256,
    size: Number(row.size),
    element: row.element,
    supplier: row.supplier,
    license: row.license,
    description: row.description,
    state: row.state,
    stateReason: row.state_reason,
    signatureKeyId: row.signature_key_id,
    signatureStatus: row.signature_status,
    version: row.version,
  };
}

export function toArtifact(row: ArtifactRow, licences: LicencePolicyEvaluator, sbom: SbomSummary | null): Artifact {
  const licence = licences.evaluate(row.license);
  return {
    id: row.id,
    name: row.name,
    artifactVersion: row.artifact_version,
    sha256: row.sha256,
    size: Number(row.size),
    element: row.element as ReleaseElement | null,
    supplier: row.supplier,
    license: row.license,
    licence: { verdict: licence.verdict, rule: licence.rule, reason: licence.reason },
    description: row.description,
    requires: readJson<SoftwareRange[]>(row.requires),
    conflicts: readJson<SoftwareRange[]>(row.conflicts),
    state: row.state as ArtifactState,
    stateReason: row.state_reason,
    uploadedBy: { id: row.uploaded_by_id, name: row.uploaded_by },
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    lastVerifiedAt: row.last_verified_at,
    signature:
      row.signature === null
        ? null
        : {
            keyId: row.signature_key_id,
            status: row.signature_status === 'verified' ? 'verified' : 'failed',
            reason: row.signature_reason,
            trustedComment: row.signature_trusted_comment,
          },
    sbom,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}
