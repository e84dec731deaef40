import type { paths, SlipwayClient } from '@slipway/client';
import type { IncidentSeverity } from '@slipway/model';
import { type ApiCall, ifMatch, newIdempotencyKey, type PageParams } from '../api/api-support.js';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** An incident as the server answers it (cause with its title, affected CIs, duration). */
export type Incident = Json<paths['/api/v1/incidents/{id}']['get']['responses'][200]>;

/** What the record form sends; the cause is a release or a change, at most one. */
export interface NewIncident {
  title: string;
  severity: IncidentSeverity;
  startedAt: string;
  description?: string | undefined;
  resolvedAt?: string | null | undefined;
  causedByReleaseId?: number | null | undefined;
  causedByChangeId?: number | null | undefined;
  causeNote?: string | null | undefined;
  ciIds?: number[] | undefined;
}

export interface IncidentFilters extends PageParams {
  /** Only open (true) or only resolved (false) incidents. */
  open?: boolean | undefined;
}

/** Incidents (incidents.read / incidents.write): the failures DORA's change failure rate and time to restore count. */
export function incidentsApi(client: SlipwayClient, call: ApiCall) {
  return {
    list: (filters: IncidentFilters = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/incidents', {
          params: { query: { limit: filters.limit, cursor: filters.cursor, open: filters.open } },
          signal,
        }),
      ),
    get: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/incidents/{id}', { params: { path: { id } }, signal })),
    create: (input: NewIncident) =>
      call(
        client.POST('/api/v1/incidents', {
          params: { header: { 'idempotency-key': newIdempotencyKey() } },
          body: input,
        }),
      ),
    /** Resolves an open incident at `resolvedAt` (now when absent); 412 when someone changed it meanwhile. */
    resolve: (incident: { id: number; version: number }, resolvedAt?: string) =>
      call(
        client.POST('/api/v1/incidents/{id}/resolve', {
          params: { path: { id: incident.id }, header: { 'if-match': ifMatch(incident.version) } },
          body: resolvedAt ? { resolvedAt } : {},
        }),
      ),
  };
}
