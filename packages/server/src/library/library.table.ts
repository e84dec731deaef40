import type { ColumnType, Generated } from 'kysely';
import type { JsonColumn } from '../cmdb/cmdb.table.js';

/** `bigint` comes back from PostgreSQL as a string (it may exceed 2^53); always write a number. */
export type BigIntColumn = ColumnType<string | number, number, number>;

export interface ArtifactsTable {
  id: Generated<number>;
  name: string;
  artifact_version: string;
  sha256: string;
  size: BigIntColumn;
  element: string | null;
  supplier: string | null;
  license: string;
  description: string;
  requires: JsonColumn;
  conflicts: JsonColumn;
  state: string;
  uploaded_by_id: number | null;
  uploaded_by: string;
  approved_by: string | null;
  approved_at: string | null;
  state_reason: string | null;
  last_verified_at: string | null;
  signature: string | null;
  signature_key_id: string | null;
  signature_status: string | null;
  signature_reason: string | null;
  signature_trusted_comment: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TrustedKeysTable {
  id: Generated<number>;
  key_id: string;
  public_key: string;
  name: string;
  created_by: string;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface SbomsTable {
  id: Generated<number>;
  artifact_id: number;
  spec_version: string;
  serial_number: string | null;
  component_count: number;
  sha256: string;
  document: string;
  created_by: string;
  created_at: string;
}

export interface SbomComponentsTable {
  id: Generated<number>;
  sbom_id: number;
  ref: string;
  type: string;
  group_name: string | null;
  name: string;
  component_version: string | null;
  purl: string | null;
  licenses: JsonColumn;
  license_expression: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  review_note: string | null;
}

export interface LibraryTasksTable {
  name: string;
  lease_owner: string | null;
  lease_until: string | null;
  next_run_at: string;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_result: JsonColumn | null;
}
