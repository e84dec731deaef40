import type {
  BaselineCisTable,
  BaselineRelationshipsTable,
  BaselinesTable,
  CiClassesTable,
  CiHistoryTable,
  CisTable,
  GraphChangesTable,
  RelationshipsTable,
} from '../cmdb/cmdb.table.js';
import type { PolicyVersionsTable } from '../policy/policy.table.js';
import type { AuditHeadTable, AuditLogTable } from './audit/audit.table.js';
import type { ApiTokensTable, LoginAttemptsTable, SessionsTable, UsersTable } from './auth/auth.table.js';
import type { IdempotencyKeysTable } from './http/idempotency.table.js';

/** Every table Slipway's repositories may touch, as Kysely sees them. */
export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  idempotency_keys: IdempotencyKeysTable;
  ci_classes: CiClassesTable;
  cis: CisTable;
  relationships: RelationshipsTable;
  ci_history: CiHistoryTable;
  graph_changes: GraphChangesTable;
  baselines: BaselinesTable;
  baseline_cis: BaselineCisTable;
  baseline_relationships: BaselineRelationshipsTable;
  policy_versions: PolicyVersionsTable;
}
