import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import type { Clock } from '../platform/clock.js';
import type { AppContext } from '../platform/context.js';
import type { SlipwayDatabase } from '../platform/database.js';
import { backstageImportRoutes } from './backstage-import.routes.js';
import { BackstageImportService } from './backstage-import.service.js';
import { baselineRoutes } from './baseline.routes.js';
import { BaselineService } from './baseline.service.js';
import { ciRoutes } from './ci.routes.js';
import { CiService } from './ci.service.js';
import { ciClassRoutes } from './ci-class.routes.js';
import { CiClassService } from './ci-class.service.js';
import { ImpactService } from './impact.service.js';
import { importRoutes } from './import.routes.js';
import { ImportService } from './import.service.js';
import { qualityRoutes } from './quality.routes.js';
import { QualityService } from './quality.service.js';
import { relationshipRoutes } from './relationship.routes.js';
import { RelationshipService } from './relationship.service.js';

/** The CMDB's services, as other domains and the routes reach them. */
export interface CmdbServices {
  classes: CiClassService;
  cis: CiService;
  relationships: RelationshipService;
  impact: ImpactService;
  imports: ImportService;
  baselines: BaselineService;
  quality: QualityService;
  backstage: BackstageImportService;
}

export function createCmdbServices(database: SlipwayDatabase, audit: AuditTrail, clock: Clock): CmdbServices {
  const impact = new ImpactService(database);
  const classes = new CiClassService(database.db, audit, clock);
  const cis = new CiService(database.db, audit, clock, classes, impact);
  const relationships = new RelationshipService(database.db, audit, clock, impact);
  const imports = new ImportService(database, audit, clock, classes, impact);
  const baselines = new BaselineService(database.db, audit, clock, impact);
  const quality = new QualityService(database, clock);
  const backstage = new BackstageImportService(imports, cis);
  return { classes, cis, relationships, impact, imports, baselines, quality, backstage };
}

/** Seeds the built-in classes and loads the impact index; call before serving. */
export async function startCmdb(cmdb: CmdbServices, log: FastifyBaseLogger): Promise<void> {
  await cmdb.classes.ensureBuiltins();
  cmdb.impact.setLogger(log);
  await cmdb.impact.load();
  cmdb.impact.startPolling();
}

export async function cmdbRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(ciClassRoutes, ctx);
  await app.register(ciRoutes, ctx);
  await app.register(relationshipRoutes, ctx);
  await app.register(importRoutes, ctx);
  await app.register(baselineRoutes, ctx);
  await app.register(qualityRoutes, ctx);
  await app.register(backstageImportRoutes, ctx);
}
