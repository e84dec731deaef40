import { CHANGE_EVENT_TYPES } from '@slipway/model';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import type { Clock } from '../platform/clock.js';
import type { AppContext } from '../platform/context.js';
import type { SlipwayDatabase } from '../platform/database.js';
import type { WebhookService } from '../platform/webhooks/webhook.service.js';
import type { PolicyService } from '../policy/policy.service.js';
import { AssessmentService } from './assessment.service.js';
import { calendarRoutes } from './calendar.routes.js';
import type { CalendarRegistry } from './calendar-registry.js';
import { changeCalendarSource, freezeCalendarSource, maintenanceCalendarSource } from './calendar-sources.js';
import { changeRoutes } from './change.routes.js';
import { ChangeService } from './change.service.js';
import { ChangeIndexService } from './change-index.service.js';
import { ChangeTemplateService } from './change-template.service.js';
import { ConflictService } from './conflict.service.js';
import { FeedTokenService } from './feed-token.service.js';
import { FreezeService } from './freeze.service.js';
import { ServiceScope } from './window-calendar.js';

/** Change management's services, as other domains and the routes reach them. */
export interface ChangeServices {
  changes: ChangeService;
  templates: ChangeTemplateService;
  freezes: FreezeService;
  assessment: AssessmentService;
  conflicts: ConflictService;
  index: ChangeIndexService;
  feedTokens: FeedTokenService;
}

/**
 * Wires change management. Its events go to `webhooks` (inside each write's transaction) and its
 * calendar sources (changes, freezes, maintenance windows) join `calendar`.
 */
export function createChangeServices(
  database: SlipwayDatabase,
  audit: AuditTrail,
  clock: Clock,
  cmdb: CmdbServices,
  policy: PolicyService,
  webhooks: WebhookService,
  calendar: CalendarRegistry,
): ChangeServices {
  const db = database.db;
  const scope = new ServiceScope(cmdb.impact);
  const freezes = new FreezeService(db, audit, clock, scope);
  const assessment = new AssessmentService(db, cmdb.impact, policy, freezes, clock);
  const templates = new ChangeTemplateService(db, audit, clock);
  const index = new ChangeIndexService(database);
  const changes = new ChangeService(db, audit, clock, policy, assessment, freezes, templates, index, webhooks);
  const conflicts = new ConflictService(db, index, cmdb.impact, assessment, freezes);
  const feedTokens = new FeedTokenService(db, audit, clock);
  webhooks.registerEventTypes(CHANGE_EVENT_TYPES);
  calendar.register(changeCalendarSource(db));
  calendar.register(freezeCalendarSource(db));
  calendar.register(maintenanceCalendarSource(db));
  return { changes, templates, freezes, assessment, conflicts, index, feedTokens };
}

/** Loads the change calendar index and follows other instances' writes; call before serving. */
export async function startChanges(changes: ChangeServices, log: FastifyBaseLogger): Promise<void> {
  changes.index.setLogger(log);
  await changes.index.load();
  changes.index.startPolling();
}

export function stopChanges(changes: ChangeServices): void {
  changes.index.stop();
}

export async function changeModuleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(changeRoutes, ctx);
  await app.register(calendarRoutes, ctx);
}
