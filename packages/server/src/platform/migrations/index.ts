import type { Migration } from 'kysely';
import * as m0001 from './2026-11-28-0001-platform.js';
import * as m0002 from './2026-11-28-0002-cmdb.js';
import * as m0003 from './2026-11-28-0003-policy.js';
import * as m0010 from './2026-11-28-0010-library.js';
import * as m0011 from './2026-11-28-0011-hardware.js';
import * as m0020 from './2026-11-28-0020-changes.js';
import * as m0021 from './2026-11-28-0021-jobs.js';
import * as m0022 from './2026-11-28-0022-webhooks.js';
import * as m0030 from './2026-11-28-0030-releases.js';
import * as m0040 from './2026-11-28-0040-rollouts.js';
import * as m0050 from './2026-11-28-0050-instances.js';
import * as m0060 from './2026-11-28-0060-incidents-maturity.js';
import * as m0070 from './2026-11-28-0070-backout-procedures.js';
import * as m0071 from './2026-11-28-0071-break-glass.js';
import * as m0072 from './2026-11-28-0072-teams.js';
import * as m0073 from './2026-11-28-0073-rollout-activations.js';

/**
 * Every migration, in order. Names are dated and never change once landed; a new schema
 * change is a new file added at the end of this list.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-28-0001-platform': m0001,
  '2026-11-28-0002-cmdb': m0002,
  '2026-11-28-0003-policy': m0003,
  '2026-11-28-0010-library': m0010,
  '2026-11-28-0011-hardware': m0011,
  '2026-11-28-0020-changes': m0020,
  '2026-11-28-0021-jobs': m0021,
  '2026-11-28-0022-webhooks': m0022,
  '2026-11-28-0030-releases': m0030,
  '2026-11-28-0040-rollouts': m0040,
  '2026-11-28-0050-instances': m0050,
  '2026-11-28-0060-incidents-maturity': m0060,
  '2026-11-28-0070-backout-procedures': m0070,
  '2026-11-28-0071-break-glass': m0071,
  '2026-11-28-0072-teams': m0072,
  '2026-11-28-0073-rollout-activations': m0073,
};
