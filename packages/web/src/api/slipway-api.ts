import { createSlipwayClient, SlipwayApiError, unwrap } from '@slipway/client';
import type { Role } from '@slipway/model';

export interface PageParams {
  limit?: number;
  cursor?: string | undefined;
}

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

export interface SlipwayApiOptions {
  /** The session's CSRF token, read at request time because it changes on every sign-in. */
  csrfToken: () => string | null;
  /** Called when a request is refused because the session ended (expired, signed out elsewhere). */
  onUnauthenticated: () => void;
}

/**
 * A fresh Idempotency-Key. Built from getRandomValues because crypto.randomUUID exists only in
 * secure contexts, and Slipway is often served over plain http inside a company network.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** ETag of a version, for If-Match (the server answers 412 when someone changed it meanwhile). */
function ifMatch(version: number): string {
  return `"${version}"`;
}

/** Leaves out empty filter values so forms can pass their fields as they are. */
function present<T>(value: T | '' | undefined): T | undefined {
  return value === '' ? undefined : value;
}

/**
 * The operations the web UI uses, over the typed client generated from the OpenAPI document.
 * The session cookie travels with every request (same origin), and every write carries the
 * session's X-CSRF-Token.
 */
export function createSlipwayApi(options: SlipwayApiOptions) {
  const client = createSlipwayClient({ baseUrl: '', credentials: 'include', csrfToken: options.csrfToken });

  /** Success body of a call; tells the session when the server says it has ended. */
  async function call<T>(pending: Parameters<typeof unwrap<T>>[0]): Promise<T> {
    try {
      return await unwrap(pending);
    } catch (error) {
      if (error instanceof SlipwayApiError && error.code === 'UNAUTHENTICATED') options.onUnauthenticated();
      throw error;
    }
  }

  return {
    auth: {
      login: (username: string, password: string) =>
        call(client.POST('/api/v1/auth/login', { body: { username, password } })),
      logout: () => call(client.POST('/api/v1/auth/logout')),
      session: () => call(client.GET('/api/v1/auth/session')),
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
  };
}

export type SlipwayApi = ReturnType<typeof createSlipwayApi>;
