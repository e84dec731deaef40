import path from 'node:path';
import { CALENDAR_RELEASE_STATES, RELEASE_EVENT_TYPES } from '@slipway/model';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { CalendarEvent, CalendarRegistry, CalendarSource } from '../changes/calendar-registry.js';
import type { ChangeServices } from '../changes/changes.module.js';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import type { HardwareService } from '../hardware/hardware.service.js';
import { type ArtifactStore, FileArtifactStore } from '../library/artifact-store.js';
import type { LibraryServices } from '../library/library.module.js';
import { systemActor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import type { Clock } from '../platform/clock.js';
import type { SlipwayConfig } from '../platform/config.js';
import type { AppContext } from '../platform/context.js';
import type { SlipwayDatabase } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import type { WebhookService } from '../platform/webhooks/webhook.service.js';
import type { PolicyService } from '../policy/policy.service.js';
import { releaseRepository } from './release.repository.js';
import { releaseRoutes } from './release.routes.js';
import { ReleaseService } from './release.service.js';
import { ReleaseAnalysisService } from './release-analysis.service.js';
import { releaseContentRoutes } from './release-content.routes.js';
import { ReleaseContentService } from './release-content.service.js';
import { releaseEvidenceRoutes } from './release-evidence.routes.js';
import { ReleaseEvidenceService, RolloutRecordRegistry } from './release-evidence.service.js';
import { ReleaseGateEvaluator } from './release-gates.js';
import { releaseTemplateRoutes } from './release-template.routes.js';
import { ReleaseTemplateService } from './release-template.service.js';
import { releaseTestRoutes } from './release-test.routes.js';
import { DEFAULT_EVIDENCE_MAX_BYTES, ReleaseTestService } from './release-test.service.js';
import { ReleaseWriter } from './release-writer.js';
import { TargetResolver } from './target-resolver.js';

/** Release management's services, as other domains (rollouts) and the routes reach them. */
export interface ReleaseServices {
  releases: ReleaseService;
  templates: ReleaseTemplateService;
  content: ReleaseContentService;
  tests: ReleaseTestService;
  analysis: ReleaseAnalysisService;
  evidence: ReleaseEvidenceService;
  gates: ReleaseGateEvaluator;
  resolver: TargetResolver;
  /** Where the rollout module registers its records for the evidence pack. */
  rolloutRecords: RolloutRecordRegistry;
  /** Where uploaded test evidence and JUnit reports are kept (`<dataDir>/release-evidence/`). */
  evidenceStore: ArtifactStore;
  evidenceMaxBytes: number;
}

const MAX_EVENTS = 20_000;

/** Releases with a planned window on the forward schedule (drafts and cancelled ones are not). */
export function releaseCalendarSource(db: Kysely<Database>): CalendarSource {
  return {
    name: 'releases',
    async events(from, to) {
      const rows = await releaseRepository.inWindow(db, CALENDAR_RELEASE_STATES, from, to, MAX_EVENTS);
      return rows.map(
        (r): CalendarEvent => ({
          uid: `release-${r.id}@slipway`,
          source: 'releases',
          kind: `${r.type} release`,
          objectType: 'release',
          objectId: r.id,
          title: `Release ${r.unit_name} ${r.version_label}: ${r.title}`,
          description: `${r.type} ${r.element.replace('_', ' ')} release, ${r.state}; requested by ${r.requester_name}`,
          start: r.planned_start as string,
          end: r.planned_end as string,
          status: r.state,
          url: `/api/v1/releases/${r.id}`,
          details: { type: r.type, element: r.element, state: r.state, unit: r.unit_name, version: r.version_label },
          updatedAt: r.updated_at,
          version: r.version,
        }),
      );
    },
  };
}

/**
 * Wires release management on top of the CMDB, the library, the hardware store and change
 * management (each reached through its services). Its events go to `webhooks` inside each
 * write's transaction; its windows join the change calendar as the `releases` source.
 */
export function createReleaseServices(
  config: SlipwayConfig,
  database: SlipwayDatabase,
  audit: AuditTrail,
  clock: Clock,
  deps: {
    policy: PolicyService;
    cmdb: CmdbServices;
    library: LibraryServices;
    hardware: HardwareService;
    changes: ChangeServices;
    webhooks: WebhookService;
    calendar: CalendarRegistry;
  },
  options: { evidenceStore?: ArtifactStore; evidenceMaxBytes?: number } = {},
): ReleaseServices {
  const db = database.db;
  const writer = new ReleaseWriter(db, audit, clock, deps.webhooks);
  const resolver = new TargetResolver(db);
  const evidenceStore = options.evidenceStore ?? new FileArtifactStore(path.join(config.dataDir, 'release-evidence'));
  const evidenceMaxBytes = options.evidenceMaxBytes ?? config.evidenceMaxBytes ?? DEFAULT_EVIDENCE_MAX_BYTES;
  const templates = new ReleaseTemplateService(db, audit, clock);
  const analysis = new ReleaseAnalysisService(db, resolver, deps.library.artifacts, deps.changes.assessment, clock);
  const gates = new ReleaseGateEvaluator(
    db,
    resolver,
    analysis,
    deps.library.artifacts,
    deps.hardware,
    deps.changes.changes,
    deps.changes.freezes,
  );
  const releases = new ReleaseService(writer, deps.policy, templates, gates, resolver, deps.changes.changes);
  const content = new ReleaseContentService(
    writer,
    deps.policy,
    deps.library,
    deps.hardware,
    deps.cmdb,
    resolver,
    analysis,
  );
  const tests = new ReleaseTestService(writer, deps.policy, evidenceStore, evidenceMaxBytes);
  const rolloutRecords = new RolloutRecordRegistry();
  const evidence = new ReleaseEvidenceService(
    releases,
    content,
    tests,
    deps.changes.changes,
    audit,
    db,
    evidenceStore,
    rolloutRecords,
    clock,
  );
  deps.webhooks.registerEventTypes(RELEASE_EVENT_TYPES);
  deps.calendar.register(releaseCalendarSource(db));
  return {
    releases,
    templates,
    content,
    tests,
    analysis,
    evidence,
    gates,
    resolver,
    rolloutRecords,
    evidenceStore,
    evidenceMaxBytes,
  };
}

/** Seeds the shipped release templates; call before serving. */
export async function startReleases(releases: ReleaseServices, log: FastifyBaseLogger): Promise<void> {
  await releases.templates.ensureBuiltins(systemActor('bootstrap'));
  log.debug('release templates ready');
}

export async function releaseModuleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(releaseRoutes, ctx);
  await app.register(releaseContentRoutes, ctx);
  await app.register(releaseTestRoutes, ctx);
  await app.register(releaseEvidenceRoutes, ctx);
  await app.register(releaseTemplateRoutes, ctx);
}
