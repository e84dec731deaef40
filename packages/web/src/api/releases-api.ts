import { SlipwayApiError, type SlipwayClient } from '@slipway/client';
import type { ReleaseElement, ReleaseState, ReleaseType, TestProtocol } from '@slipway/model';
import { type ApiCall, ifMatch, newIdempotencyKey, type PageParams } from './api-support.js';

export interface NewRelease {
  type: ReleaseType;
  element: ReleaseElement;
  unit: string;
  releaseVersion: string;
  title: string;
  plannedStart: string | null;
  plannedEnd: string | null;
}

export interface ReleaseFilters extends PageParams {
  states?: readonly ReleaseState[] | undefined;
}

/** Releases: the board, one release with its plan, contents, tests, readiness, approvals and analyses. */
export function releasesApi(client: SlipwayClient, call: ApiCall) {
  const byId = (id: number) => ({ params: { path: { id } } });
  return {
    list: (filters: ReleaseFilters = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/releases', {
          params: {
            query: {
              limit: filters.limit,
              cursor: filters.cursor,
              state: filters.states && filters.states.length > 0 ? filters.states.join(',') : undefined,
            },
          },
          signal,
        }),
      ),
    get: (id: number, signal?: AbortSignal) => call(client.GET('/api/v1/releases/{id}', { ...byId(id), signal })),
    create: (input: NewRelease) =>
      call(
        client.POST('/api/v1/releases', {
          params: { header: { 'idempotency-key': newIdempotencyKey() } },
          body: input,
        }),
      ),
    addArtifact: (release: { id: number; version: number }, artifactId: number) =>
      call(
        client.POST('/api/v1/releases/{id}/artifacts', {
          params: { path: { id: release.id }, header: { 'if-match': ifMatch(release.version) } },
          body: { artifactId },
        }),
      ),
    targets: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/targets', { ...byId(id), signal })),
    addTargets: (release: { id: number; version: number }, environment: string, ciIds: number[]) =>
      call(
        client.POST('/api/v1/releases/{id}/targets', {
          params: { path: { id: release.id }, header: { 'if-match': ifMatch(release.version) } },
          body: { environment, cis: ciIds },
        }),
      ),
    plan: (id: number, signal?: AbortSignal) => call(client.GET('/api/v1/releases/{id}/plan', { ...byId(id), signal })),
    updateSection: (
      release: { id: number; version: number },
      section: string,
      body: { owner?: string | null; status?: 'not_started' | 'in_progress' | 'done'; content?: string },
    ) =>
      call(
        client.PATCH('/api/v1/releases/{id}/plan/{section}', {
          params: { path: { id: release.id, section }, header: { 'if-match': ifMatch(release.version) } },
          body,
        }),
      ),
    readiness: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/readiness', { ...byId(id), signal })),
    contents: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/contents', { ...byId(id), signal })),
    tests: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/tests', { ...byId(id), signal })),
    recordTest: (
      id: number,
      body: { environment: string; protocol: TestProtocol; outcome: 'passed' | 'failed' | 'blocked'; summary: string },
    ) => call(client.POST('/api/v1/releases/{id}/tests', { params: { path: { id } }, body })),
    approvals: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/approvals', { ...byId(id), signal })),
    approve: (release: { id: number; version: number }, comment: string) =>
      call(
        client.POST('/api/v1/releases/{id}/approve', {
          params: { path: { id: release.id }, header: { 'if-match': ifMatch(release.version) } },
          body: { comment },
        }),
      ),
    transition: (release: { id: number; version: number }, to: ReleaseState, comment?: string) =>
      call(
        client.POST('/api/v1/releases/{id}/transitions', {
          params: { path: { id: release.id }, header: { 'if-match': ifMatch(release.version) } },
          body: { to, ...(comment && { comment }) },
        }),
      ),
    history: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/history', { params: { path: { id }, query: { limit: 50 } }, signal })),
    coexistence: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/coexistence', { params: { path: { id }, query: {} }, signal })),
    impact: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/releases/{id}/impact', { params: { path: { id }, query: { limit: 50 } }, signal })),
    environments: (signal?: AbortSignal) => call(client.GET('/api/v1/environments', { signal })),
    /** Release notes are Markdown: fetched as text, outside the JSON client. */
    notes: async (id: number, signal?: AbortSignal): Promise<string> => {
      const response = await fetch(`/api/v1/releases/${id}/notes`, {
        credentials: 'include',
        headers: { accept: 'text/markdown' },
        ...(signal && { signal }),
      });
      if (!response.ok) throw await SlipwayApiError.fromResponse(response);
      return response.text();
    },
    /** Where the evidence pack (tar.gz) downloads from; the session cookie authorises it. */
    evidenceArchiveUrl: (id: number) => `/api/v1/releases/${id}/evidence/archive`,
  };
}
