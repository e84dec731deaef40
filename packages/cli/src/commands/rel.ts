import { unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import { type Relationship, refOf, resolveCiId } from '../cmdb-api.js';
import { positiveInteger } from './token.js';

interface RelOptions extends ApiOptions {
  json?: boolean;
}

/** `application/shop runs_on server/web-01` */
export function describeRelationship(relationship: Relationship): string {
  return `${refOf(relationship.source)} ${relationship.type} ${refOf(relationship.target)}`;
}

/** `slipway rel add|rm`: relationships between CIs. */
export function registerRelCommands(program: Command, io: CliIo): void {
  const rel = program
    .command('rel')
    .description('Relationships between CIs (types: GET /api/v1/relationship-types; SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    rel
      .command('add')
      .description('Relate two CIs: slipway rel add application/shop runs_on server/web-01')
      .argument('<source>', 'the source CI: class/name or id')
      .argument('<type>', 'depends_on, runs_on, installed_on, part_of, connected_to, located_in')
      .argument('<target>', 'the target CI: class/name or id')
      .option('--json', 'print JSON'),
  ).action(async (source: string, type: string, target: string, options: RelOptions) => {
    const { api } = apiClient(options, io);
    const [sourceId, targetId] = await Promise.all([resolveCiId(api, source), resolveCiId(api, target)]);
    const created = await unwrap(api.POST('/api/v1/relationships', { body: { sourceId, type, targetId } }));
    if (options.json) printJson(io, { relationship: created });
    else printLines(io, `Related ${describeRelationship(created)} (relationship ${created.id})`);
  });

  withApiOptions(
    rel
      .command('rm')
      .description('Remove a relationship (its id is in slipway ci show)')
      .argument('<id>', 'the relationship id', positiveInteger)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: RelOptions) => {
    const { api } = apiClient(options, io);
    // Read first, so the answer says what was removed, not just a number.
    const relationship = await unwrap(api.GET('/api/v1/relationships/{id}', { params: { path: { id } } }));
    await unwrap(api.DELETE('/api/v1/relationships/{id}', { params: { path: { id } } }));
    if (options.json) printJson(io, { removed: relationship });
    else printLines(io, `Removed relationship ${id}: ${describeRelationship(relationship)}`);
  });
}
