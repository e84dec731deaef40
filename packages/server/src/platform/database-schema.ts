import type { BackoutProceduresTable, BackoutRehearsalsTable } from '../backout/backout.table.js';
import type {
  CalendarFeedTokensTable,
  ChangeApprovalsTable,
  ChangeCisTable,
  ChangeIndexLogTable,
  ChangeReviewsTable,
  ChangesTable,
  ChangeTemplatesTable,
  ChangeTransitionsTable,
  FreezesTable,
  MaintenanceWindowsTable,
} from '../changes/changes.table.js';
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
import type {
  HwItemsTable,
  HwModelsTable,
  HwReservationLinesTable,
  HwReservationsTable,
  HwSitesTable,
} from '../hardware/hardware.table.js';
import type { IncidentCisTable, IncidentsTable } from '../incidents/incidents.table.js';
import type {
  ArtifactsTable,
  LibraryTasksTable,
  SbomComponentsTable,
  SbomsTable,
  TrustedKeysTable,
} from '../library/library.table.js';
import type { MaturityAssessmentsTable } from '../maturity/maturity.table.js';
import type { PolicyVersionsTable } from '../policy/policy.table.js';
import type {
  ReleaseApprovalsTable,
  ReleaseArtifactsTable,
  ReleaseCiChangesTable,
  ReleasePlanSectionsTable,
  ReleasePromotionsTable,
  ReleaseRehearsalsTable,
  ReleaseReviewsTable,
  ReleasesTable,
  ReleaseTargetQueriesTable,
  ReleaseTargetsTable,
  ReleaseTemplatesTable,
  ReleaseTestsTable,
  ReleaseTransitionsTable,
} from '../releases/releases.table.js';
import type {
  RolloutActivationsTable,
  RolloutEventsTable,
  RolloutExecutablesTable,
  RolloutStepsTable,
  RolloutsTable,
  RolloutTargetsTable,
  RolloutWavesTable,
} from '../rollouts/rollouts.table.js';
import type { AuditHeadTable, AuditLogTable } from './audit/audit.table.js';
import type { ApiTokensTable, LoginAttemptsTable, SessionsTable, UsersTable } from './auth/auth.table.js';
import type { BreakGlassElevationsTable } from './auth/break-glass.table.js';
import type { IdempotencyKeysTable } from './http/idempotency.table.js';
import type { InstancesTable } from './instances/instances.table.js';
import type { JobsTable } from './jobs/jobs.table.js';
import type { TeamMembersTable, TeamsTable } from './teams/teams.table.js';
import type {
  OutboundAllowListTable,
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhookSubscriptionsTable,
} from './webhooks/webhooks.table.js';

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
  artifacts: ArtifactsTable;
  trusted_keys: TrustedKeysTable;
  sboms: SbomsTable;
  sbom_components: SbomComponentsTable;
  library_tasks: LibraryTasksTable;
  hw_sites: HwSitesTable;
  hw_models: HwModelsTable;
  hw_reservations: HwReservationsTable;
  hw_reservation_lines: HwReservationLinesTable;
  hw_items: HwItemsTable;
  change_templates: ChangeTemplatesTable;
  changes: ChangesTable;
  change_cis: ChangeCisTable;
  change_approvals: ChangeApprovalsTable;
  change_transitions: ChangeTransitionsTable;
  change_reviews: ChangeReviewsTable;
  freezes: FreezesTable;
  maintenance_windows: MaintenanceWindowsTable;
  calendar_feed_tokens: CalendarFeedTokensTable;
  change_index_log: ChangeIndexLogTable;
  jobs: JobsTable;
  outbound_allow_list: OutboundAllowListTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  release_templates: ReleaseTemplatesTable;
  releases: ReleasesTable;
  release_plan_sections: ReleasePlanSectionsTable;
  release_artifacts: ReleaseArtifactsTable;
  release_ci_changes: ReleaseCiChangesTable;
  release_targets: ReleaseTargetsTable;
  release_target_queries: ReleaseTargetQueriesTable;
  release_tests: ReleaseTestsTable;
  release_approvals: ReleaseApprovalsTable;
  release_transitions: ReleaseTransitionsTable;
  release_promotions: ReleasePromotionsTable;
  release_rehearsals: ReleaseRehearsalsTable;
  release_reviews: ReleaseReviewsTable;
  rollouts: RolloutsTable;
  rollout_waves: RolloutWavesTable;
  rollout_targets: RolloutTargetsTable;
  rollout_steps: RolloutStepsTable;
  rollout_events: RolloutEventsTable;
  rollout_executables: RolloutExecutablesTable;
  rollout_activations: RolloutActivationsTable;
  instances: InstancesTable;
  incidents: IncidentsTable;
  incident_cis: IncidentCisTable;
  maturity_assessments: MaturityAssessmentsTable;
  backout_procedures: BackoutProceduresTable;
  backout_rehearsals: BackoutRehearsalsTable;
  break_glass_elevations: BreakGlassElevationsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
}
