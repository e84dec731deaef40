import type { paths, SlipwayClient } from '@slipway/client';
import { type ApiCall, ifMatch, newIdempotencyKey, type PageParams } from '../api/api-support.js';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** A rollout as `GET /rollouts/{id}` answers it (waves, totals, KPIs, the actions allowed now). */
export type Rollout = Json<paths['/api/v1/rollouts/{id}']['get']['responses'][200]>;
export type RolloutWave = Rollout['waves'][number];
export type RolloutTarget = Json<paths['/api/v1/rollouts/{id}/targets']['get']['responses'][200]>['items'][number];
export type RolloutEvent = Json<paths['/api/v1/rollouts/{id}/events/log']['get']['responses'][200]>['items'][number];
/** The body of `POST /releases/{id}/rollouts`. */
export type NewRollout = NonNullable<
  paths['/api/v1/releases/{id}/rollouts']['post']['requestBody']
>['content']['application/json'];
export type RolloutControl = 'pause' | 'resume' | 'abort' | 'deactivate' | 'backout';
/** A dormant rollout's activation request (the newest one, shown on the rollout page). */
export type RolloutActivation = NonNullable<Rollout['activationRequest']>;

export interface RolloutFilters extends PageParams {
  releaseId?: number | undefined;
  state?: string | undefined;
}

/** Rollouts: start one for a release, list, watch (JSON; the live stream is an EventSource), control. */
export function rolloutsApi(client: SlipwayClient, call: ApiCall) {
  const byId = (id: number) => ({ params: { path: { id } } });
  return {
    start: (releaseId: number, body: NewRollout) =>
      call(
        client.POST('/api/v1/releases/{id}/rollouts', {
          params: { path: { id: releaseId }, header: { 'idempotency-key': newIdempotencyKey() } },
          body,
        }),
      ),
    list: (filters: RolloutFilters = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/rollouts', {
          params: {
            query: {
              limit: filters.limit,
              cursor: filters.cursor,
              releaseId: filters.releaseId,
              state: filters.state || undefined,
            },
          },
          signal,
        }),
      ),
    get: (id: number, signal?: AbortSignal) => call(client.GET('/api/v1/rollouts/{id}', { ...byId(id), signal })),
    /** One page of up to 1,000 targets in id order, of one wave or of all. */
    targets: (id: number, query: { wave?: number | undefined; cursor?: string | undefined }, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/rollouts/{id}/targets', {
          params: { path: { id }, query: { limit: 1000, wave: query.wave, cursor: query.cursor } },
          signal,
        }),
      ),
    failedTargets: (id: number, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/rollouts/{id}/targets', {
          params: { path: { id }, query: { limit: 50, state: 'failed' } },
          signal,
        }),
      ),
    eventLog: (id: number, after: number, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/rollouts/{id}/events/log', {
          params: { path: { id }, query: { after, limit: 1000 } },
          signal,
        }),
      ),
    control: (rollout: { id: number; version: number }, action: RolloutControl, reason?: string) =>
      call(
        client.POST(`/api/v1/rollouts/{id}/${action}` as '/api/v1/rollouts/{id}/pause', {
          params: { path: { id: rollout.id }, header: { 'if-match': ifMatch(rollout.version) } },
          body: reason ? { reason } : {},
        }),
      ),
    confirm: (id: number, passed: boolean, note?: string) =>
      call(
        client.POST('/api/v1/rollouts/{id}/confirm', {
          params: { path: { id } },
          body: { passed, ...(note && { note }) },
        }),
      ),
    /** Dormant rollouts: request the activation (now, or at `activateAt`), then another person decides. */
    requestActivation: (rollout: { id: number; version: number }, body: { activateAt?: string; note?: string }) =>
      call(
        client.POST('/api/v1/rollouts/{id}/activate', {
          params: { path: { id: rollout.id }, header: { 'if-match': ifMatch(rollout.version) } },
          body,
        }),
      ),
    approveActivation: (rollout: { id: number; version: number }, note?: string) =>
      call(
        client.POST('/api/v1/rollouts/{id}/activation/approve', {
          params: { path: { id: rollout.id }, header: { 'if-match': ifMatch(rollout.version) } },
          body: note ? { note } : {},
        }),
      ),
    rejectActivation: (rollout: { id: number; version: number }, reason: string) =>
      call(
        client.POST('/api/v1/rollouts/{id}/activation/reject', {
          params: { path: { id: rollout.id }, header: { 'if-match': ifMatch(rollout.version) } },
          body: { reason },
        }),
      ),
    cancelActivation: (rollout: { id: number; version: number }, reason?: string) =>
      call(
        client.POST('/api/v1/rollouts/{id}/activation/cancel', {
          params: { path: { id: rollout.id }, header: { 'if-match': ifMatch(rollout.version) } },
          body: reason ? { reason } : {},
        }),
      ),
    /** The live stream's URL: an EventSource sends the session cookie (same origin) on its own. */
    eventsUrl: (id: number, after: number) => `/api/v1/rollouts/${id}/events?after=${after}`,
  };
}
