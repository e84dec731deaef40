import type { FastifyBaseLogger } from 'fastify';
import { systemActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { ImportResult } from '../import.service.js';
import { DEMO_COMPANY } from './demo-catalogue.js';
import { DEMO_SEED, demoOrganisationLines } from './demo-organisation.js';

/** Lines per chunk handed to the importer: big enough to be cheap, small enough to stream. */
const LINES_PER_CHUNK = 1000;

/** Import source name: demo relationships and CIs remember it, so they can be told apart later. */
export const DEMO_SOURCE = 'demo';

/** The demo organisation as newline-terminated NDJSON chunks, the shape ImportService reads. */
export async function* demoOrganisationChunks(seed: number = DEMO_SEED): AsyncGenerator<string> {
  let batch: string[] = [];
  for (const line of demoOrganisationLines(seed)) {
    batch.push(line);
    if (batch.length >= LINES_PER_CHUNK) {
      yield `${batch.join('\n')}\n`;
      batch = [];
    }
  }
  if (batch.length > 0) yield `${batch.join('\n')}\n`;
}

/**
 * Imports the demo organisation through the product's own import path (the same upsert, history,
 * audit and impact-index updates a real feed gets). Re-running it changes nothing.
 */
export async function loadDemoOrganisation(ctx: Pick<AppContext, 'cmdb'>): Promise<ImportResult> {
  return ctx.cmdb.imports.run(systemActor('demo'), demoOrganisationChunks(), { source: DEMO_SOURCE });
}

/**
 * Loads the demo organisation when the CMDB holds no CI yet, i.e. on first start only: an
 * organisation's own data is never mixed with the demo. Failure is logged, not thrown: the demo is
 * a convenience and must not keep the server from starting (e.g. when two instances sharing one
 * PostgreSQL both find it empty and race; the loser's rows already exist).
 */
export async function loadDemoOnFirstStart(
  ctx: Pick<AppContext, 'cmdb'>,
  log: FastifyBaseLogger,
): Promise<ImportResult | undefined> {
  const existing = await ctx.cmdb.cis.list({ limit: 1 });
  if (existing.length > 0) {
    log.debug('demo organisation not loaded: the CMDB already holds CIs');
    return undefined;
  }
  let result: ImportResult;
  try {
    result = await loadDemoOrganisation(ctx);
  } catch (error) {
    log.error({ err: error }, 'loading the demo organisation failed; starting without it');
    return undefined;
  }
  const cis = result.cis.created + result.cis.updated + result.cis.unchanged;
  const relationships = result.relationships.created + result.relationships.unchanged;
  log.info(
    { demo: { cis, relationships, errors: result.errorCount, durationMs: result.durationMs } },
    `Loaded the demo organisation "${DEMO_COMPANY}": ${cis} CIs and ${relationships} relationships in ` +
      `${(result.durationMs / 1000).toFixed(1)} s. Sign in as "admin" with the password printed at first start ` +
      '(or use SLIPWAY_ADMIN_TOKEN as a bearer token).',
  );
  if (result.errorCount > 0) {
    log.warn(
      { errors: result.errors.slice(0, 10) },
      `the demo organisation import reported ${result.errorCount} errors`,
    );
  }
  return result;
}
