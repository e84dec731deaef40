import type { FastifyBaseLogger } from 'fastify';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import type { Clock } from '../platform/clock.js';
import type { SlipwayConfig } from '../platform/config.js';
import type { SlipwayDatabase } from '../platform/database.js';
import type { PolicyService } from '../policy/policy.service.js';
import { ArtifactService } from './artifact.service.js';
import { type ArtifactStore, FileArtifactStore } from './artifact-store.js';
import { ComplianceService } from './compliance.service.js';
import { LibraryScheduler } from './library-scheduler.js';
import { SbomService } from './sbom.service.js';
import { SignatureService } from './signature.service.js';

export { libraryRoutes } from './library.routes.js';

/** The Definitive Software Library's services, as other domains and the routes reach them. */
export interface LibraryServices {
  store: ArtifactStore;
  artifacts: ArtifactService;
  signatures: SignatureService;
  sboms: SbomService;
  compliance: ComplianceService;
  scheduler: LibraryScheduler;
}

export function createLibraryServices(
  config: SlipwayConfig,
  database: SlipwayDatabase,
  audit: AuditTrail,
  clock: Clock,
  policy: PolicyService,
  store: ArtifactStore = new FileArtifactStore(config.dataDir),
): LibraryServices {
  const { db } = database;
  const signatures = new SignatureService(db, audit, clock, store);
  const sboms = new SbomService(db, audit, clock, policy);
  const artifacts = new ArtifactService(db, audit, clock, store, policy, signatures, sboms, config.artifactMaxBytes);
  const compliance = new ComplianceService(db, policy);
  const scheduler = new LibraryScheduler(db, clock, artifacts, config.libraryVerifyIntervalMinutes);
  return { store, artifacts, signatures, sboms, compliance, scheduler };
}

/** Starts the scheduled integrity verification (one instance at a time runs it). */
export function startLibrary(library: LibraryServices, log: FastifyBaseLogger): void {
  library.scheduler.start((error) => log.error({ err: error }, 'scheduled library verification failed'));
}
