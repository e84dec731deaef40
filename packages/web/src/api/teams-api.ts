import type { SlipwayClient } from '@slipway/client';
import { type ApiCall, ifMatch, newIdempotencyKey } from './api-support.js';

/**
 * Teams: every signed-in user may list them (with whether they belong to each); reading members
 * needs `users.read`; creating, renaming and staffing them needs `teams.admin`. Renames and member
 * changes carry the version the admin saw (If-Match), so a concurrent edit answers 412.
 */
export function teamsApi(client: SlipwayClient, call: ApiCall) {
  return {
    list: (signal?: AbortSignal) => call(client.GET('/api/v1/teams', { signal })),
    create: (name: string) =>
      call(
        client.POST('/api/v1/teams', {
          params: { header: { 'idempotency-key': newIdempotencyKey() } },
          body: { name },
        }),
      ),
    rename: (team: { id: number; version: number }, name: string) =>
      call(
        client.PATCH('/api/v1/teams/{id}', {
          params: { path: { id: team.id }, header: { 'if-match': ifMatch(team.version) } },
          body: { name },
        }),
      ),
    members: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/teams/{id}/members', { params: { path: { id } }, signal })),
    /** Replaces the member list. */
    setMembers: (team: { id: number; version: number }, userIds: number[]) =>
      call(
        client.PUT('/api/v1/teams/{id}/members', {
          params: { path: { id: team.id }, header: { 'if-match': ifMatch(team.version) } },
          body: { userIds },
        }),
      ),
  };
}
