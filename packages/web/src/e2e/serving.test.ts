import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ensureWebBuild, REPO_ROOT, type RunningSlipway, startSlipway } from './harness.js';

/**
 * The plugin on its own, loaded by path at run time: a static import would pull the server's
 * sources (and their Fastify type augmentations) into this package's type-check.
 */
async function loadWebRoutes(): Promise<FastifyPluginAsync<{ distDir?: string }>> {
  const modulePath = path.join(REPO_ROOT, 'packages/server/src/platform/http/web.routes.ts');
  const loaded = (await import(modulePath)) as { webRoutes: FastifyPluginAsync<{ distDir?: string }> };
  return loaded.webRoutes;
}

/** A GET over a raw socket, so the path reaches the server exactly as written (fetch normalises `..`). */
function rawGet(baseUrl: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: rawPath, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the server serves the web UI at /', () => {
  let server: RunningSlipway;

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startSlipway();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves index.html under the CSP, with no inline script', async () => {
    const response = await fetch(`${server.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="\/assets\//);
    expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
  });

  it('answers client-side routes with index.html for browsers', async () => {
    for (const page of ['/account', '/users?cursor=x', '/audit/anything/deeper']) {
      const response = await fetch(`${server.baseUrl}${page}`, { headers: { accept: 'text/html,*/*;q=0.8' } });
      expect(response.status, page).toBe(200);
      await expect(response.text()).resolves.toContain('<div id="root">');
    }
  });

  it('gives a browser reloading the Metrics page the app, and scrapers the Prometheus metrics', async () => {
    const page = await fetch(`${server.baseUrl}/metrics`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    await expect(page.text()).resolves.toContain('<div id="root">');
    // A scraper (Prometheus sends OpenMetrics and text/plain): still the metrics route, still authorised.
    const scrape = { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' };
    const anonymous = await fetch(`${server.baseUrl}/metrics`, { headers: scrape });
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    const scraped = await fetch(`${server.baseUrl}/metrics`, {
      headers: { ...scrape, authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    await expect(scraped.text()).resolves.toMatch(/^# HELP /m);
    // Without any Accept header too (curl).
    const plain = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await expect(plain.text()).resolves.toMatch(/^# HELP /m);
  });

  it('serves the hashed assets with a long cache lifetime', async () => {
    const html = await (await fetch(`${server.baseUrl}/`, { headers: { accept: 'text/html' } })).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const response = await fetch(`${server.baseUrl}${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toContain('immutable');
    // Read every body: an unread one keeps its connection busy and the server's close waiting.
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('keeps unknown API, docs and metrics paths a JSON 404, and non-HTML misses too', async () => {
    for (const page of ['/api/v1/no-such-thing', '/metrics/extra', '/healthz/extra']) {
      const response = await fetch(`${server.baseUrl}${page}`, { headers: { accept: 'text/html' } });
      expect(response.status, page).toBe(404);
      await expect(response.json()).resolves.toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    const missingImage = await fetch(`${server.baseUrl}/no-such-image.png`, { headers: { accept: 'image/*' } });
    expect(missingImage.status).toBe(404);
    await missingImage.arrayBuffer();
    const health = await fetch(`${server.baseUrl}/healthz`);
    await expect(health.json()).resolves.toMatchObject({ status: 'ok' });
  });

  it('never serves files outside the build', async () => {
    for (const rawPath of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/..%5cpackage.json',
    ]) {
      const response = await rawGet(server.baseUrl, rawPath);
      expect(response.body, rawPath).not.toContain('"@slipway/web"');
      expect([200, 400, 403, 404], rawPath).toContain(response.status);
    }
  });
});

describe('without a web build', () => {
  it('registers no route and logs one line saying the UI is not built', async () => {
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-no-web-'));
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const app = Fastify({ logger: { level: 'info', stream } });
    try {
      await app.register(await loadWebRoutes(), { distDir: emptyDir });
      await app.ready();
      const response = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect(response.statusCode).toBe(404);
      const notices = lines.filter((line) => line.includes('Web UI not built'));
      expect(notices).toHaveLength(1);
    } finally {
      await app.close();
      fs.rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
