import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/schema.js';
import { SlipwayApiError, SlipwayConnectionError } from './slipway-api-error.js';

export interface SlipwayClientOptions {
  /**
   * Where Slipway is served, without `/api/v1` (the paths carry it): `http://localhost:8080`,
   * or `''` in the browser for the page's own origin.
   */
  baseUrl: string;
  /** An API token (`slw_…`), sent as `Authorization: Bearer`. Omit for cookie sessions. */
  token?: string | undefined;
  /**
   * The session's CSRF token (from login or GET /api/v1/auth/session), sent as `X-CSRF-Token`
   * on every write; the server requires it on cookie-authenticated writes.
   */
  csrfToken?: string | (() => string | null | undefined) | undefined;
  /** Extra headers on every request (e.g. a `Cookie` for a session outside a browser). */
  headers?: Record<string, string> | undefined;
  /** `include`/`same-origin` in the browser so the session cookie travels. */
  credentials?: RequestInit['credentials'] | undefined;
  /** A fetch to use instead of the global one (tests, instrumentation). */
  fetch?: ((input: Request) => Promise<Response>) | undefined;
}

/**
 * The typed Slipway client: openapi-fetch over the generated `paths`. Every method answers
 * `{ data, response }` on 2xx and **throws** otherwise: `SlipwayApiError` for an error answer,
 * `SlipwayConnectionError` when there was no answer. Use `unwrap` to get `data` typed as the
 * success body.
 */
export type SlipwayClient = Client<paths, 'application/json'>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Creates a client for one Slipway server. */
export function createSlipwayClient(options: SlipwayClientOptions): SlipwayClient {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const client = createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl,
    headers,
    ...(options.credentials && { credentials: options.credentials }),
    ...(options.fetch && { fetch: options.fetch }),
  });
  client.use(errorMiddleware(options));
  return client;
}

function errorMiddleware(options: SlipwayClientOptions): Middleware {
  const csrf = options.csrfToken;
  return {
    onRequest({ request }) {
      if (csrf === undefined || SAFE_METHODS.has(request.method)) return undefined;
      const value = typeof csrf === 'function' ? csrf() : csrf;
      if (value) request.headers.set('x-csrf-token', value);
      return request;
    },
    async onResponse({ response }) {
      // Thrown here, before openapi-fetch parses the body, so no caller can forget to check `error`.
      if (!response.ok) throw await SlipwayApiError.fromResponse(response);
      return undefined;
    },
    onError({ request, error }) {
      if (error instanceof SlipwayApiError) return error;
      // An aborted request is the caller's own doing: keep the AbortError they expect.
      if (error instanceof Error && error.name === 'AbortError') return error;
      return new SlipwayConnectionError(new URL(request.url).origin || options.baseUrl, error);
    },
  };
}

/** What an openapi-fetch call resolves to, in the shape `unwrap` needs. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Awaits a client call and returns its success body, typed from the OpenAPI document.
 * `undefined` for 204 answers. Throws `SlipwayApiError` for an error answer.
 *
 * @example const me = await unwrap(api.GET('/api/v1/auth/session'));
 */
export async function unwrap<T>(pending: Promise<FetchResult<T>>): Promise<T> {
  const result = await pending;
  // The middleware already throws on error answers; this covers a client built without it.
  if (result.error !== undefined || !result.response.ok) {
    throw SlipwayApiError.fromBody(
      result.response.status,
      result.error,
      result.response.headers.get('x-request-id'),
      result.response.statusText,
    );
  }
  return result.data as T;
}

/** One page of a collection, as every list route answers. */
export interface Page<Item> {
  items: Item[];
  next: string | null;
}

/**
 * Every item of a paginated collection, following `next` until it is null.
 *
 * @example for await (const t of paginate((cursor) => unwrap(api.GET('/api/v1/tokens', { params: { query: { cursor } } })))) …
 */
export async function* paginate<Item>(
  fetchPage: (cursor: string | undefined) => Promise<Page<Item>>,
): AsyncGenerator<Item, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.items;
    if (page.next === null || page.items.length === 0) return;
    cursor = page.next;
  }
}
