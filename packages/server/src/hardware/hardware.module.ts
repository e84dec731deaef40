import type { CmdbServices } from '../cmdb/cmdb.module.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import type { Clock } from '../platform/clock.js';
import type { SlipwayDatabase } from '../platform/database.js';
import { HardwareService } from './hardware.service.js';

export { hardwareRoutes } from './hardware.routes.js';

export function createHardwareService(
  database: SlipwayDatabase,
  audit: AuditTrail,
  clock: Clock,
  cmdb: CmdbServices,
): HardwareService {
  return new HardwareService(database.db, audit, clock, cmdb);
}
