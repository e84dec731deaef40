import { createSlipwayClient, SlipwayApiError, unwrap } from '@slipway/client';
import type { CiStatus, Criticality, Role } from '@slipway/model';
import { windowsApi } from '../calendar/windows-api.js';
import { incidentsApi } from '../incidents/incidents-api.js';
import { maturityApi, metricsApi } from '../metrics/metrics-api.js';
import { rolloutsApi } from '../rollouts/rollouts-api.js';
import { type ApiCall, ifMatch, list, newIdempotencyKey, type PageParams, present } from './api-support.js';
import { changesApi } from './changes-api.js';
import { type ImportOptions, uploadImport } from './import-upload.js';
import { libraryApi } from './library-api.js';
import { policyApi } from './policy-api.js';
import { releasesApi } from './releases-api.js';
import { teamsApi } from './teams-api.js';

export { ifMatch, newIdempotencyKey, type PageParams } from './api-support.js';

export interface UserFilters extends PageParams {
  q?: string;
  role?: Role | '';
}

export interface CreateUserInput {
  username: string;
  displayName?: string;
  email?: string;
  roles: Role[];
  /** Omit to have Slipway generate one (returned once). */
  password?: string;
}

export interface UserChanges {
  displayName?: string;
  email?: string | null;
  roles?: Role[];
  disabled?: boolean;
}

export interface AuditFilters extends PageParams {
  objectType?: string | undefined;
  action?: string | undefined;
  actorId?: number | undefined;
}

export interface CiFilters extends PageParams {
  class?: string | undefined;
  environment?: string | undefined;
  status?: CiStatus | '' | undefined;
  owner?: string | undefined;
  criticality?: Criticality | '' | undefined;
  /** Part of the name, case-insensitive. */
  q?: string | undefined;
  /** The exact name. */
  name?: string | undefined;
}

export interface CiChanges {
  name?: string;
  status?: CiStatus;
  environment?: string | null;
  owner?: string | null;
  criticality?: Criticality | null;
  /** Merged into the current attributes; null removes one. */
  attributes?: Record<string, unknown>;
}

/** Impact (what breaks if the CI changes) or dependencies (what it needs). */
export type GraphDirection = 'impact' | 'dependencies';

export interface GraphQueryParams {
  depth?: number | undefined;
  /** Relationship types to follow (all when absent). */
  types?: readonly string[] | undefined;
  /** Classes to list (the walk still crosses others). */
  classes?: readonly string[] | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  /** A CI id whose shortest propagation path from the root the answer explains. */
  explain?: number | undefined;
}

export interface RelationshipFilters extends PageParams {
  ciId?: number | undefined;
  sourceId?: number | undefined;
  targetId?: number | undefined;
}

export interface NewBaseline {
  name: string;
  description?: string;
  scope?: { ciIds: number[]; closure: 'none' | 'impact' | 'dependencies' | 'both' } | null;
}

export type DiffSection = 'cis-added' | 'cis-removed' | 'cis-changed' | 'relationships-added' | 'relationships-removed';

/** `live` or another baseline's id. */
export type DiffAgainst = 'live' | number;

export interface SlipwayApiOptions {
  /** The session's CSRF token, read at request time because it changes on every sign-in. */
  csrfToken: () => string | null;
  /** Called when a request is refused because the session ended (expired, signed out elsewhere). */
  onUnauthenticated: () => void;
}

/**
 * The operations the web UI uses, over the typed client generated from the OpenAPI document.
 * The session cookie travels with every request (same origin), and every write carries the
 * session's X-CSRF-Token.
 */
export function createSlipwayApi(options: SlipwayApiOptions) {
  const client = createSlipwayClient({ baseUrl: '', credentials: 'include', csrfToken: options.csrfToken });

  /** Success body of a call; tells the session when the server says it has ended. */
  const call: ApiCall = async <T>(pending: Parameters<typeof unwrap<T>>[0]): Promise<T> => {
    try {
      return await unwrap(pending);
    } catch (error) {
      if (error instanceof SlipwayApiError && error.code === 'UNAUTHENTICATED') options.onUnauthenticated();
      throw error;
    }
  };

  return {
    changes: changesApi(client, call),
    incidents: incidentsApi(client, call),
    library: libraryApi(client, call, options),
    maturity: maturityApi(client, call),
    metrics: metricsApi(client, call),
    policy: policyApi(client, call, options),
    releases: releasesApi(client, call),
    rollouts: rolloutsApi(client, call),
    teams: teamsApi(client, call),
    windows: windowsApi(client, call),
    auth: {
      login: (username: string, password: string) =>
        call(client.POST('/api/v1/auth/login', { body: { username, password } })),
      logout: () => call(client.POST('/api/v1/auth/logout')),
      session: () => call(client.GET('/api/v1/auth/session')),
      endBreakGlass: () => call(client.DELETE('/api/v1/auth/break-glass')),
      /** Starts an elevation of the caller's own account; 409 while one is active. */
      startBreakGlass: (reason: string, minutes: number) =>
        call(client.POST('/api/v1/auth/break-glass', { body: { reason, minutes } })),
      /** The caller's active elevation and every elevation, newest first (`break_glass.read`). */
      breakGlassHistory: (page: PageParams = {}, signal?: AbortSignal) =>
        call(
          client.GET('/api/v1/auth/break-glass', {
            params: { query: { limit: page.limit, cursor: page.cursor } },
            signal,
          }),
        ),
    },
    users: {
      list: (filters: UserFilters = {}, signal?: AbortSignal) =>
        call(
          client.GET('/api/v1/users', {
            params: {
              query: {
                limit: filters.limit,
                cursor: filters.cursor,
                q: present(filters.q),
                role: present(filters.role),
              },
            },
            signal,
          }),
        ),
      me: (signal?: AbortSignal) => call(client.GET('/api/v1/users/me', { signal })),
      create: (input: CreateUserInput) =>
        call(
          client.POST('/api/v1/users', {
            params: { header: { 'idempotency-key': newIdempotencyKey() } },
            body: input,
          }),
        ),
      update: (user: { id: number; version: number }, changes: UserChanges) =>
        call(
          client.PATCH('/api/v1/users/{id}', {
            params: { path: { id: user.id }, header: { 'if-match': ifMatch(user.version) } },
            body: changes,
          }),
        ),
      changeOwnPassword: (currentPassword: string, newPassword: string) =>
        call(client.PUT('/api/v1/users/me/password', { body: { currentPassword, newPassword } })),
    },
    tokens: {
      list: (filters: PageParams & { includeRevoked?: boolean } = {}, signal?: AbortSignal) =>
        call(
          client.GET('/api/v1/tokens', {
            params: {
              query: { limit: filters.limit, cursor: filters.cursor, includeRevoked: filters.includeRevoked },
            },
            signal,
          }),
        ),
      create: (name: string, expiresInDays: number) =>
        call(
          client.POST('/api/v1/tokens', {
            params: { header: { 'idempotency-key': newIdempotencyKey() } },
            body: { name, expiresInDays },
          }),
        ),
      revoke: (id: number) => call(client.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })),
    },
    audit: {
      list: (filters: AuditFilters = {}, signal?: AbortSignal) =>
        call(
          client.GET('/api/v1/audit', {
            params: {
              query: {
                limit: filters.limit,
                cursor: filters.cursor,
                objectType: present(filters.objectType),
                action: present(filters.action),
                actorId: filters.actorId,
              },
            },
            signal,
          }),
        ),
      verify: () => call(client.GET('/api/v1/audit/verify')),
    },
    cmdb: {
      classes: (signal?: AbortSignal) => call(client.GET('/api/v1/ci-classes', { signal })),
      relationshipTypes: (signal?: AbortSignal) => call(client.GET('/api/v1/relationship-types', { signal })),
      cis: {
        list: (filters: CiFilters = {}, signal?: AbortSignal) =>
          call(
            client.GET('/api/v1/cis', {
              params: {
                query: {
                  limit: filters.limit,
                  cursor: filters.cursor,
                  class: present(filters.class),
                  environment: present(filters.environment),
                  status: present(filters.status),
                  owner: present(filters.owner),
                  criticality: present(filters.criticality),
                  q: present(filters.q),
                  name: present(filters.name),
                },
              },
              signal,
            }),
          ),
        get: (id: number, signal?: AbortSignal) =>
          call(client.GET('/api/v1/cis/{id}', { params: { path: { id } }, signal })),
        update: (ci: { id: number; version: number }, changes: CiChanges) =>
          call(
            client.PATCH('/api/v1/cis/{id}', {
              params: { path: { id: ci.id }, header: { 'if-match': ifMatch(ci.version) } },
              body: changes,
            }),
          ),
        retire: (ci: { id: number; version: number }) =>
          call(
            client.POST('/api/v1/cis/{id}/retire', {
              params: { path: { id: ci.id }, header: { 'if-match': ifMatch(ci.version) } },
            }),
          ),
        history: (id: number, page: PageParams = {}, signal?: AbortSignal) =>
          call(
            client.GET('/api/v1/cis/{id}/history', {
              params: { path: { id }, query: { limit: page.limit, cursor: page.cursor } },
              signal,
            }),
          ),
        /** The impact or dependencies walk from a CI. */
        graph: (id: number, direction: GraphDirection, query: GraphQueryParams = {}, signal?: AbortSignal) => {
          const params = {
            path: { id },
            query: {
              depth: query.depth,
              types: list(query.types),
              classes: list(query.classes),
              limit: query.limit,
              cursor: query.cursor,
              explain: query.explain,
            },
          };
          return direction === 'impact'
            ? call(client.GET('/api/v1/cis/{id}/impact', { params, signal }))
            : call(client.GET('/api/v1/cis/{id}/dependencies', { params, signal }));
        },
      },
      relationships: {
        list: (filters: RelationshipFilters, signal?: AbortSignal) =>
          call(
            client.GET('/api/v1/relationships', {
              params: {
                query: {
                  limit: filters.limit,
                  cursor: filters.cursor,
                  ciId: filters.ciId,
                  sourceId: filters.sourceId,
                  targetId: filters.targetId,
                },
              },
              signal,
            }),
          ),
        create: (input: { sourceId: number; type: string; targetId: number }) =>
          call(
            client.POST('/api/v1/relationships', {
              params: { header: { 'idempotency-key': newIdempotencyKey() } },
              body: input,
            }),
          ),
        remove: (id: number) => call(client.DELETE('/api/v1/relationships/{id}', { params: { path: { id } } })),
      },
      baselines: {
        list: (page: PageParams = {}, signal?: AbortSignal) =>
          call(
            client.GET('/api/v1/baselines', { params: { query: { limit: page.limit, cursor: page.cursor } }, signal }),
          ),
        get: (id: number, signal?: AbortSignal) =>
          call(client.GET('/api/v1/baselines/{id}', { params: { path: { id } }, signal })),
        create: (input: NewBaseline) =>
          call(
            client.POST('/api/v1/baselines', {
              params: { header: { 'idempotency-key': newIdempotencyKey() } },
              body: input,
            }),
          ),
        diff: (id: number, against: DiffAgainst, limit: number, signal?: AbortSignal) =>
          call(
            client.GET('/api/v1/baselines/{id}/diff', {
              params: { path: { id }, query: { against: String(against), limit } },
              signal,
            }),
          ),
        diffSection: (
          id: number,
          section: DiffSection,
          against: DiffAgainst,
          page: { cursor: string; limit: number },
          signal?: AbortSignal,
        ) =>
          call(
            client.GET('/api/v1/baselines/{id}/diff/{section}', {
              params: {
                path: { id, section },
                query: { against: String(against), cursor: page.cursor, limit: page.limit },
              },
              signal,
            }),
          ),
      },
      quality: (query: { staleDays?: number; examples?: number } = {}, signal?: AbortSignal) =>
        call(client.GET('/api/v1/cmdb/quality', { params: { query }, signal })),
      /**
       * Streams an NDJSON body to POST /api/v1/import with upload progress. Not through the
       * fetch client: fetch reports no upload progress, XMLHttpRequest does.
       */
      import: async (body: Blob, importOptions: ImportOptions = {}) => {
        try {
          return await uploadImport(body, { ...importOptions, csrfToken: options.csrfToken() });
        } catch (error) {
          if (error instanceof SlipwayApiError && error.code === 'UNAUTHENTICATED') options.onUnauthenticated();
          throw error;
        }
      },
    },
  };
}

export type SlipwayApi = ReturnType<typeof createSlipwayApi>;
