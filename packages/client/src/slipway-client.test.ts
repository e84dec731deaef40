import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipwayClient, paginate, SlipwayApiError, SlipwayConnectionError, unwrap } from './index.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A stand-in server with canned answers: the client's job is the HTTP contract (headers, error
 * shape, pagination), which these answers pin down without depending on the server package.
 */
describe('createSlipwayClient', () => {
  const seen: Seen[] = [];
  let server: http.Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        const json = (status: number, value: unknown) => {
          response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req-42' });
          response.end(JSON.stringify(value));
        };
        const url = new URL(request.url ?? '/', 'http://x');
        if (url.pathname === '/api/v1/auth/session') {
          json(200, { user: { id: 1, username: 'admin' }, permissions: [], via: 'token', csrfToken: null });
        } else if (url.pathname === '/api/v1/users' && request.method === 'POST') {
          json(409, {
            error: { code: 'CONFLICT', message: 'A user named "x" already exists', details: { field: 'username' } },
          });
        } else if (url.pathname === '/api/v1/tokens' && request.method === 'GET') {
          const cursor = url.searchParams.get('cursor');
          if (!cursor) json(200, { items: [{ id: 1 }, { id: 2 }], next: 'page-2' });
          else json(200, { items: [{ id: 3 }], next: null });
        } else if (url.pathname === '/api/v1/tokens/7') {
          response.writeHead(502, { 'content-type': 'text/html' });
          response.end('<html>Bad gateway</html>');
        } else if (url.pathname === '/api/v1/auth/logout') {
          response.writeHead(204);
          response.end();
        } else {
          json(404, { error: { code: 'NOT_FOUND', message: `No route ${url.pathname}` } });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the bearer token and returns the typed body', async () => {
    const api = createSlipwayClient({ baseUrl, token: 'slw_secret' });
    const session = await unwrap(api.GET('/api/v1/auth/session'));
    expect(session.user.username).toBe('admin');
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer slw_secret');
  });

  it('throws SlipwayApiError with the server status, code, message, details and request id', async () => {
    const api = createSlipwayClient({ baseUrl, token: 't' });
    const error = await api.POST('/api/v1/users', { body: { username: 'x', roles: ['admin'] } }).catch((e) => e);
    expect(error).toBeInstanceOf(SlipwayApiError);
    expect(error).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      message: 'A user named "x" already exists',
      details: { field: 'username' },
      requestId: 'req-42',
    });
    expect((error as SlipwayApiError).is('CONFLICT')).toBe(true);
  });

  it('reports an answer without the error shape as HTTP_<status>', async () => {
    const api = createSlipwayClient({ baseUrl, token: 't' });
    const error = await api.GET('/api/v1/tokens/{id}', { params: { path: { id: 7 } } }).catch((e) => e);
    expect(error).toBeInstanceOf(SlipwayApiError);
    expect(error).toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: 'HTTP 502 Bad Gateway: <html>Bad gateway</html>',
    });
  });

  it('sends X-CSRF-Token on writes only, for cookie sessions', async () => {
    const api = createSlipwayClient({ baseUrl, headers: { cookie: 'slipway_session=abc' }, csrfToken: () => 'csrf-1' });
    await unwrap(api.GET('/api/v1/auth/session'));
    expect(seen.at(-1)?.headers['x-csrf-token']).toBeUndefined();
    expect(seen.at(-1)?.headers.cookie).toBe('slipway_session=abc');
    const answer = await unwrap(api.POST('/api/v1/auth/logout'));
    expect(answer).toBeUndefined();
    expect(seen.at(-1)?.headers['x-csrf-token']).toBe('csrf-1');
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('paginate follows next until null', async () => {
    const api = createSlipwayClient({ baseUrl, token: 't' });
    const ids: number[] = [];
    for await (const token of paginate((cursor) =>
      unwrap(api.GET('/api/v1/tokens', { params: { query: cursor === undefined ? {} : { cursor } } })),
    )) {
      ids.push(token.id);
    }
    expect(ids).toEqual([1, 2, 3]);
    expect(seen.at(-1)?.url).toBe('/api/v1/tokens?cursor=page-2');
  });

  it('throws SlipwayConnectionError naming the server when nothing answers', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const api = createSlipwayClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
    const error = await api.GET('/api/v1/auth/session').catch((e) => e);
    expect(error).toBeInstanceOf(SlipwayConnectionError);
    expect((error as Error).message).toBe(
      `Cannot reach Slipway at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});

describe('SlipwayApiError.fromBody', () => {
  it('keeps the server error shape and falls back to the status', () => {
    expect(SlipwayApiError.fromBody(403, { error: { code: 'FORBIDDEN', message: 'no' } }, null)).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      message: 'no',
      details: {},
    });
    expect(SlipwayApiError.fromBody(500, undefined, null, 'Internal Server Error').message).toBe(
      'HTTP 500 Internal Server Error',
    );
  });
});
