/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSuite, browserAvailability, openDemoBrowser, type RunningSlipway, signIn } from './harness.js';

const browserTests = browserAvailability();
const ADMIN = { username: 'ada', password: 'Slipway-e2e-detail-Pa55', displayName: 'Ada Admin', roles: ['admin'] };

/** The 404s the not-found checks provoke on purpose (Chromium logs each as a console error). */
function expectedError(text: string, url: string): boolean {
  return text.includes('status of 404') && /\/api\/v1\/(releases|changes|rollouts|artifacts)\/999999$/.test(url);
}

interface ApiTraffic {
  /** Every API request, in order, without the origin. */
  requests: string[];
  /** The API requests that never got an answer (aborted by the page). */
  failed: string[];
}

/**
 * Opens `path` as a fresh page load, waits for `ready`, then for the network to settle, and
 * returns the API requests the page made. The session check (`/api/v1/auth/session`) is part of
 * every full load and is counted like any other request.
 */
async function openCounting(page: Page, baseUrl: string, path: string, ready: (page: Page) => Promise<unknown>) {
  // Leave the previous page first: its late requests (the dashboard's readiness checks) are not this page's.
  await page.goto('about:blank');
  const traffic: ApiTraffic = { requests: [], failed: [] };
  const isApi = (url: string) => url.startsWith(`${baseUrl}/api/`);
  const onRequest = (request: { url(): string }) => {
    if (isApi(request.url())) traffic.requests.push(request.url().slice(baseUrl.length));
  };
  const onFailed = (request: { url(): string }) => {
    if (isApi(request.url())) traffic.failed.push(request.url().slice(baseUrl.length));
  };
  page.on('request', onRequest);
  page.on('requestfailed', onFailed);
  try {
    await page.goto(`${baseUrl}${path}`);
    await ready(page);
    // Give late effects (a reload after the first render) time to show up.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
  } finally {
    page.off('request', onRequest);
    page.off('requestfailed', onFailed);
  }
  return traffic;
}

/** URLs requested more than once, with their counts. */
function repeated(requests: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const url of requests) counts[url] = (counts[url] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 1));
}

describe.runIf(browserTests.run)('detail pages load each resource once (demo organisation)', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  let rolloutId = 0;
  let ciId = 0;
  let artifactId = 0;
  let bigChange = { id: 0, cis: 0 };

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [ADMIN],
      expectedErrors: expectedError,
      prepare: async (server) => {
        const rollouts = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/rollouts?limit=1');
        rolloutId = rollouts.body.items[0]?.id ?? 0;
        const cis = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/cis?limit=1');
        ciId = cis.body.items[0]?.id ?? 0;
        const artifacts = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/artifacts?limit=1');
        artifactId = artifacts.body.items[0]?.id ?? 0;
        // The demo has a change that touches hundreds of CIs (a fleet-wide one): the biggest.
        const changes = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/changes?limit=200');
        for (const { id } of changes.body.items) {
          const change = await server.api<{ cis: unknown[] }>('GET', `/api/v1/changes/${id}`);
          if (change.body.cis.length > bigChange.cis) bigChange = { id, cis: change.body.cis.length };
        }
        expect(bigChange.cis).toBeGreaterThan(100);
      },
    });
    ({ server, page, consoleErrors } = suite);
    await signIn(page, server.baseUrl, ADMIN, '/');
  });

  afterAll(async () => {
    await suite?.close();
  });

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).first().waitFor();

  it.each([
    [
      'a release',
      () => '/releases/2',
      (page: Page) => page.locator('#history').getByRole('listitem').first().waitFor(),
    ],
    ['another release', () => '/releases/1', (page: Page) => page.locator('#notes pre').waitFor()],
    ['a change', () => '/changes/1', heading],
    ['a rollout', () => `/rollouts/${rolloutId}`, (page: Page) => page.getByTestId('wave-0').waitFor()],
    ['a CI', () => `/cmdb/cis/${ciId}`, heading],
    ['an artifact', () => `/library/artifacts/${artifactId}`, heading],
  ])('opens %s with each API URL requested once and nothing aborted', async (_name, path, ready) => {
    const traffic = await openCounting(page, server.baseUrl, path(), ready);
    expect(traffic.requests.length).toBeGreaterThan(1);
    expect(repeated(traffic.requests)).toEqual({});
    expect(traffic.failed).toEqual([]);
  });

  it.each([
    ['/releases/999999', '/api/v1/releases/999999'],
    ['/changes/999999', '/api/v1/changes/999999'],
    ['/rollouts/999999', '/api/v1/rollouts/999999'],
    ['/library/artifacts/999999', '/api/v1/artifacts/999999'],
  ])('shows %s (no such object) as "Page not found" after the one request for it', async (path, apiPath) => {
    const traffic = await openCounting(page, server.baseUrl, path, (page) =>
      page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor(),
    );
    expect(traffic.requests.filter((url) => !url.startsWith('/api/v1/auth/'))).toEqual([apiPath]);
    expect(traffic.failed).toEqual([]);
  });

  it.each([
    '/changes/abc',
    '/changes/0',
    '/changes/-3',
    '/changes/1.5',
    '/changes/abc/edit',
    '/releases/abc',
    '/rollouts/1e3',
    '/cmdb/cis/abc',
    '/cmdb/cis/abc/graph',
    '/cmdb/baselines/abc/diff',
    '/library/artifacts/0x10',
  ])('shows "Page not found" for %s without calling the API for it', async (path) => {
    const traffic = await openCounting(page, server.baseUrl, path, (page) =>
      page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor(),
    );
    // Only the session check: no call for the bogus id (the server would answer 400).
    expect(traffic.requests.filter((url) => !url.startsWith('/api/v1/auth/'))).toEqual([]);
  });

  it("folds a big change's CI list to 20 with a button to show them all", async () => {
    await page.goto(`${server.baseUrl}/changes/${bigChange.id}`);
    const cis = page.getByTestId('change-cis');
    await cis.getByRole('link').first().waitFor();
    await expect(cis.getByRole('link').count()).resolves.toBe(20);
    // The page stays about a screen tall instead of listing thousands of links.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(2500);
    const showAll = cis.getByRole('button', { name: `Show all ${bigChange.cis.toLocaleString('en-GB')}` });
    await showAll.click();
    await expect.poll(() => cis.getByRole('link').count()).toBe(bigChange.cis);
    await cis.getByRole('button', { name: 'Show fewer' }).click();
    await expect.poll(() => cis.getByRole('link').count()).toBe(20);
  });

  it('numbers waves from 0 in the wave headers and the event log alike, as the server does', async () => {
    await page.goto(`${server.baseUrl}/rollouts/${rolloutId}`);
    const first = page.getByTestId('wave-0');
    await first.waitFor();
    const header = (await first.getByRole('heading', { level: 3 }).textContent()) ?? '';
    const name = /^Wave 0 \((.+)\)$/.exec(header)?.[1];
    expect(name, header).toBeTruthy();
    const started = page.getByTestId('rollout-log').locator('[data-event="rollout.wave_started"]');
    await started.first().waitFor();
    await expect(started.last().textContent()).resolves.toContain(`wave 0 (${name})`);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
