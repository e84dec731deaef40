import { SlipwayApiError, type SlipwayClient } from '@slipway/client';
import type { ArtifactState, ComplianceFindingKind, LicenceVerdict, RESERVATION_STATES } from '@slipway/model';
import { type ApiCall, ifMatch, newIdempotencyKey, type PageParams, present } from './api-support.js';
import { type ArtifactPushMetadata, type ArtifactPushOptions, pushArtifact } from './artifact-push.js';

export interface ArtifactFilters extends PageParams {
  q?: string | undefined;
  state?: ArtifactState | '' | undefined;
}

export interface ReservationLine {
  modelId: number;
  siteId: number;
  quantity: number;
}

export interface LibraryApiOptions {
  csrfToken: () => string | null;
  onUnauthenticated: () => void;
}

/** The software library (artifacts, SBOMs, compliance) and the hardware store. */
export function libraryApi(client: SlipwayClient, call: ApiCall, options: LibraryApiOptions) {
  return {
    artifacts: {
      /**
       * Streams a file into the library with upload progress. Not through the fetch client:
       * fetch reports no upload progress, XMLHttpRequest does.
       */
      push: async (file: Blob, metadata: ArtifactPushMetadata, pushOptions: ArtifactPushOptions = {}) => {
        try {
          return await pushArtifact(file, metadata, { ...pushOptions, csrfToken: options.csrfToken() });
        } catch (error) {
          if (error instanceof SlipwayApiError && error.code === 'UNAUTHENTICATED') options.onUnauthenticated();
          throw error;
        }
      },
      /** Attaches a minisign signature (the .minisig file's text); it must verify against a trusted key. */
      attachSignature: (id: number, minisig: string) =>
        call(client.PUT('/api/v1/artifacts/{id}/signature', { params: { path: { id } }, body: { minisig } })),
      /** Attaches a CycloneDX JSON SBOM (replacing an earlier one) while the artifact is quarantined. */
      attachSbom: (id: number, document: Record<string, unknown>) =>
        call(client.POST('/api/v1/artifacts/{id}/sbom', { params: { path: { id } }, body: document })),
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
