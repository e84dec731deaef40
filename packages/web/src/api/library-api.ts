import type { SlipwayClient } from '@slipway/client';
import type { ArtifactState, ComplianceFindingKind, LicenceVerdict, RESERVATION_STATES } from '@slipway/model';
import { type ApiCall, ifMatch, newIdempotencyKey, type PageParams, present } from './api-support.js';

export interface ArtifactFilters extends PageParams {
  q?: string | undefined;
  state?: ArtifactState | '' | undefined;
}

export interface ReservationLine {
  modelId: number;
  siteId: number;
  quantity: number;
}

/** The software library (artifacts, SBOMs, compliance) and the hardware store. */
export function libraryApi(client: SlipwayClient, call: ApiCall) {
  return {
    artifacts: {
      list: (filters: ArtifactFilters = {}, signal?: AbortSignal) =>
        call(
          client.GET('/api/v1/artifacts', {
            params: {
              query: {
                limit: filters.limit,
                cursor: filters.cursor,
                q: present(filters.q),
                state: present(filters.state),
              },
            },
            signal,
          }),
        ),
      get: (id: number, signal?: AbortSignal) =>
        call(client.GET('/api/v1/artifacts/{id}', { params: { path: { id } }, signal })),
      approve: (artifact: { id: number; version: number }) =>
        call(
          client.POST('/api/v1/artifacts/{id}/approve', {
            params: { path: { id: artifact.id }, header: { 'if-match': ifMatch(artifact.version) } },
          }),
        ),
      retire: (artifact: { id: number; version: number }, reason: string) =>
        call(
          client.POST('/api/v1/artifacts/{id}/retire', {
            params: { path: { id: artifact.id }, header: { 'if-match': ifMatch(artifact.version) } },
            body: { reason },
          }),
        ),
      verify: (id: number) => call(client.POST('/api/v1/artifacts/{id}/verify', { params: { path: { id } } })),
      sbom: (id: number, signal?: AbortSignal) =>
        call(client.GET('/api/v1/artifacts/{id}/sbom', { params: { path: { id } }, signal })),
      components: (id: number, query: PageParams & { verdict?: LicenceVerdict | '' }, signal?: AbortSignal) =>
        call(
          client.GET('/api/v1/artifacts/{id}/sbom/components', {
            params: {
              path: { id },
              query: { limit: query.limit, cursor: query.cursor, verdict: present(query.verdict) },
            },
            signal,
          }),
        ),
      reviewComponent: (id: number, componentId: number, note: string) =>
        call(
          client.POST('/api/v1/artifacts/{id}/sbom/components/{componentId}/review', {
            params: { path: { id, componentId } },
            body: { note },
          }),
        ),
    },
    compliance: (query: PageParams & { kind?: ComplianceFindingKind | '' }, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/library/compliance', {
          params: { query: { limit: query.limit, cursor: query.cursor, kind: present(query.kind) } },
          signal,
        }),
      ),
    hardware: {
      stock: (query: { low?: boolean } = {}, signal?: AbortSignal) =>
        call(client.GET('/api/v1/hardware/stock', { params: { query: { low: query.low || undefined } }, signal })),
      models: (signal?: AbortSignal) =>
        call(client.GET('/api/v1/hardware/models', { params: { query: { limit: 200 } }, signal })),
      sites: (signal?: AbortSignal) =>
        call(client.GET('/api/v1/hardware/sites', { params: { query: { limit: 200 } }, signal })),
      reservations: (
        query: PageParams & { state?: (typeof RESERVATION_STATES)[number] | '' } = {},
        signal?: AbortSignal,
      ) =>
        call(
          client.GET('/api/v1/hardware/reservations', {
            params: { query: { limit: query.limit, cursor: query.cursor, state: present(query.state) } },
            signal,
          }),
        ),
      reserve: (releaseId: number, lines: ReservationLine[], note: string) =>
        call(
          client.POST('/api/v1/hardware/reservations', {
            params: { header: { 'idempotency-key': newIdempotencyKey() } },
            body: { releaseId, lines, note: note || null },
          }),
        ),
      releaseReservation: (reservation: { id: number; version: number }) =>
        call(
          client.POST('/api/v1/hardware/reservations/{id}/release', {
            params: { path: { id: reservation.id }, header: { 'if-match': ifMatch(reservation.version) } },
          }),
        ),
    },
  };
}
