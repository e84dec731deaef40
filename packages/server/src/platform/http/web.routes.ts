import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
// For the `schema.hide` type it adds to routes; app.ts registers the plugin itself.
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteAccess } from './access-control.js';

export interface WebRoutesOptions {
  /** The Vite build of packages/web; by default found next to this package in the repository. */
  distDir?: string;
}

/** Paths that belong to the server, never to the single-page app: unknown ones stay a JSON 404. */
const SERVER_PREFIXES = ['/api', '/docs', '/metrics', '/healthz'];
type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouterHandler = Parameters<ReturnType<ConstraintStrategy['storage']>['set']>[1];

/** Server paths that are also pages of the UI (the Metrics page): a browser asking for HTML gets the app. */
const SHARED_PAGES = ['/metrics'];

/**
 * A route constraint that tells a browser's page request (Accept names text/html) from any other.
 * `mustMatchWhenDerived: false`: a path without an `html` route of its own is routed as if the
 * constraint did not exist, so only the SHARED_PAGES routes ever see it.
 */
const PAGE_CONSTRAINT: ConstraintStrategy = {
  name: 'page',
  storage() {
    const handlers = new Map<string, RouterHandler>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, handler: RouterHandler) => {
        handlers.set(value, handler);
      },
    };
  },
  // Typed as a string by the router; undefined means "no constraint derived" to it.
  deriveConstraint: (request) => {
    const accept = request.headers.accept;
    return (typeof accept === 'string' && accept.includes('text/html') ? 'html' : undefined) as string;
  },
  mustMatchWhenDerived: false,
};

/** Vite puts content-hashed files here, so they may be cached for good. */
const HASHED_ASSETS = '/assets/';

/** From src/platform/http or dist/platform/http alike: four levels up is packages/. */
export function defaultWebDistDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../web/dist');
}

function isServerPath(pathname: string): boolean {
  return SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

/**
 * The file under `root` that a URL path names, or null. Decodes once and refuses anything that
 * would leave `root` (`..`, encoded slashes) or is not a regular file.
 */
function staticFile(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const full = path.resolve(root, `.${decoded}`);
  if (!full.startsWith(`${root}${path.sep}`)) return null;
  try {
    return fs.statSync(full).isFile() ? path.relative(root, full) : null;
  } catch {
    return null;
  }
}

/**
 * Serves the web UI at `/`: files of the Vite build, and index.html for any other page-like
 * GET so client-side routes survive a reload or a bookmark. The build holds no inline script, so
 * the Content-Security-Policy that helmet sets for every response (script-src 'self') applies
 * unchanged. Registers nothing, and says so once, when the UI has not been built.
 */
export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions = {}) {
  const root = path.resolve(options.distDir ?? defaultWebDistDir());
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    app.log.warn(`Web UI not built (no ${path.join(root, 'index.html')}); run "npm run build" to serve it at /`);
    return;
  }

  // serve: false: @fastify/static's own routes cannot carry config.access, so it only lends
  // reply.sendFile (with its path checks, ranges, ETag and Last-Modified) to the routes below.
  await app.register(fastifyStatic, { root, serve: false, index: false, dotfiles: 'deny' });

  const sendIndex = (reply: FastifyReply) => {
    // Always revalidated, so a new release's asset names are picked up on the next load.
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = (request.raw.url ?? '/').split('?')[0] ?? '/';
    if (isServerPath(pathname)) return reply.callNotFound();
    if (pathname === '/' || pathname === '/index.html') return sendIndex(reply);
    const file = staticFile(root, pathname);
    if (file !== null) {
      if (pathname.startsWith(HASHED_ASSETS)) return reply.sendFile(file, { maxAge: '365d', immutable: true });
      return reply.sendFile(file, { maxAge: '1h' });
    }
    // A client-side route (/users, /audit?...) asked for by a browser: the app renders it.
    if (acceptsHtml(request)) return sendIndex(reply);
    return reply.callNotFound();
  };

  // hide: these are not API operations, so they stay out of the OpenAPI document (and the generated client).
  const access: RouteAccess = 'public';
  const routeOptions = { config: { access }, schema: { hide: true } };
  app.get('/', routeOptions, handler);
  app.get('/*', routeOptions, handler);

  // /metrics is both the Prometheus endpoint and the UI's Metrics page: a browser reloading the
  // page asks for HTML, a scraper never does. The same path with an `html` constraint lets the
  // browser have the app while every other request still reaches the metrics route unchanged.
  if (!app.hasConstraintStrategy(PAGE_CONSTRAINT.name)) app.addConstraintStrategy(PAGE_CONSTRAINT);
  for (const page of SHARED_PAGES) {
    app.get(page, { ...routeOptions, constraints: { [PAGE_CONSTRAINT.name]: 'html' } }, async (_request, reply) =>
      sendIndex(reply),
    );
  }
}
