import type { Migration } from 'kysely';
import * as m0001 from './2026-11-28-0001-platform.js';
import * as m0002 from './2026-11-28-0002-cmdb.js';
import * as m0003 from './2026-11-28-0003-policy.js';

/**
 * Every migration, in order. Names are dated and never change once landed; a new schema
 * change is a new file added at the end of this list.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-28-0001-platform': m0001,
  '2026-11-28-0002-cmdb': m0002,
  '2026-11-28-0003-policy': m0003,
};
