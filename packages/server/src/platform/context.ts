import type { BackoutProcedureService } from '../backout/backout.service.js';
import type { CalendarRegistry } from '../changes/calendar-registry.js';
import type { ChangeServices } from '../changes/changes.module.js';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import type { HardwareService } from '../hardware/hardware.service.js';
import type { LibraryServices } from '../library/library.module.js';
import type { PolicyService } from '../policy/policy.service.js';
import type { ReleaseServices } from '../releases/releases.module.js';
import type { RolloutServices } from '../rollouts/rollouts.module.js';
import type { AuditTrail } from './audit/audit.service.js';
import type { AuditKeys } from './audit/audit-keys.js';
import type { CheckpointStore } from './audit/checkpoint-store.js';
import type { AuthService } from './auth/auth.service.js';
import type { BreakGlassService } from './auth/break-glass.service.js';
import type { TokenService } from './auth/token.service.js';
import type { UserService } from './auth/user.service.js';
import type { Clock } from './clock.js';
import type { SlipwayConfig } from './config.js';
import type { SlipwayDatabase } from './database.js';
import type { JobRunner } from './jobs/job-runner.js';
import type { TeamService } from './teams/team.service.js';
import type { WebhookService } from './webhooks/webhook.service.js';

/** The services of one running Slipway, wired once in app.ts and handed to every route plugin. */
export interface AppContext {
  config: SlipwayConfig;
  database: SlipwayDatabase;
  clock: Clock;
  auditKeys: AuditKeys;
  audit: AuditTrail;
  checkpoints: CheckpointStore;
  auth: AuthService;
  users: UserService;
  /** Teams and their members (team scoping of changes and releases). */
  teams: TeamService;
  tokens: TokenService;
  cmdb: CmdbServices;
  policy: PolicyService;
  library: LibraryServices;
  hardware: HardwareService;
  /** Durable jobs with leases (webhook deliveries; rollouts later). */
  jobs: JobRunner;
  webhooks: WebhookService;
  /** The change calendar's sources (changes, freezes, maintenance; releases and rollouts plug in). */
  calendar: CalendarRegistry;
  changes: ChangeServices;
  releases: ReleaseServices;
  rollouts: RolloutServices;
  /** The library of general back-out procedures per CI class, with rehearsal records. */
  backout: BackoutProcedureService;
  /** Admins' audited, time-boxed emergency elevations (break-glass). */
  breakGlass: BreakGlassService;
}
