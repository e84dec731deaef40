/// <reference lib="dom" />
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailability,
  createUsers,
  ensureWebBuild,
  launchChromium,
  type RunningSlipway,
  saveScreenshot,
  signIn,
  startSlipway,
  trackConsoleErrors,
} from './harness.js';

const browserTests = browserAvailability();

/** A tablet held upright (iPad mini and most 8" Android tablets report 768 CSS px). */
const TABLET = { width: 768, height: 1024 };

/** Every role the pages below gate on: release manager for the write actions, plus incidents and windows. */
const MANAGER = {
  username: 'rita',
  password: 'Slipway-e2e-tablet-Pa55',
  displayName: 'Rita Release',
  roles: ['release_manager', 'change_manager'],
};

/** How far the document is wider than the window (0 when nothing scrolls sideways). */
function documentOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/**
 * Controls of the page that stick out of the window sideways. A table may scroll inside its own
 * frame (.table-wrap), so links and fields there are left out, but not buttons: a row's actions
 * must be on screen without scrolling the table.
 */
function controlsOutsideWindow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const outside: string[] = [];
    const controls = document.querySelectorAll<HTMLElement>(
      'header a, header button, main a, main button, main input, main select, main textarea, main summary',
    );
    for (const control of Array.from(controls)) {
      if (control.closest('.graph-figure, .visually-hidden')) continue;
      if (control.tagName !== 'BUTTON' && control.closest('.table-wrap')) continue;
      const box = control.getBoundingClientRect();
      // Hidden (display: none, closed <details>) or visually hidden.
      if (box.width <= 1 || box.height <= 1) continue;
      if (box.left < -0.5 || box.right > width + 0.5) {
        const name = (control.getAttribute('aria-label') ?? control.textContent ?? control.id).trim().slice(0, 50);
        outside.push(
          `${control.tagName.toLowerCase()} "${name}" spans ${Math.round(box.left)}–${Math.round(box.right)} px`,
        );
      }
    }
    return outside;
  });
}

/** The locator is on screen horizontally: visible, and neither edge outside the window. */
async function expectInWindow(locator: Locator): Promise<void> {
  await locator.waitFor();
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  expect(box, 'the control has a box').not.toBeNull();
  expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(TABLET.width);
}

async function expectFitsTablet(page: Page, name: string): Promise<void> {
  expect(await documentOverflow(page), `${name}: document wider than ${TABLET.width} px`).toBeLessThanOrEqual(0);
  expect(await controlsOutsideWindow(page), `${name}: controls outside the window`).toEqual([]);
  // The header wraps its navigation under the brand; every item stays reachable.
  await expectInWindow(page.getByRole('button', { name: 'Sign out' }));
}

describe.runIf(browserTests.run)(`pages on a tablet (${TABLET.width} × ${TABLET.height}, demo organisation)`, () => {
  let server: RunningSlipway;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];
  let releaseId = 0;
  let rolloutId = 0;
  let artifactId = 0;

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startSlipway({ demo: true });
    await createUsers(server, [MANAGER]);
    const releases = await server.api<{ items: { id: number; state: string }[] }>('GET', '/api/v1/releases?limit=50');
    releaseId = (releases.body.items.find((release) => release.state === 'in_test') ?? releases.body.items[0])?.id ?? 0;
    const rollouts = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/rollouts?limit=1');
    rolloutId = rollouts.body.items[0]?.id ?? 0;
    const artifacts = await server.api<{ items: { id: number; sbom: unknown }[] }>(
      'GET',
      '/api/v1/artifacts?limit=100',
    );
    // One with an SBOM when the demo has one: its component table is the widest part of the page.
    artifactId = (artifacts.body.items.find((artifact) => artifact.sbom !== null) ?? artifacts.body.items[0])?.id ?? 0;
    expect([releaseId, rolloutId, artifactId].every((id) => id > 0)).toBe(true);
    // An open incident, so the incidents page has a row with its Resolve action.
    const incident = await server.api('POST', '/api/v1/incidents', {
      title: 'Tracking API answers slowly after the canary',
      severity: 'major',
      startedAt: new Date(Date.now() - 45 * 60_000).toISOString(),
      causedByReleaseId: releaseId,
    });
    expect(incident.status).toBe(201);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: TABLET, locale: 'en-GB', hasTouch: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    consoleErrors = trackConsoleErrors(page);
    await signIn(page, server.baseUrl, MANAGER, '/');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('dashboard', async () => {
    await page.goto(`${server.baseUrl}/dashboard`);
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    await page.getByTestId('dashboard-kpis').locator('.kpi-card').first().waitFor();
    await expectFitsTablet(page, 'dashboard');
    await saveScreenshot(page, 'dashboard-tablet');
  });

  it('metrics', async () => {
    // Loaded as a browser reloads it: /metrics is also the Prometheus endpoint, for scrapers.
    await page.goto(`${server.baseUrl}/metrics`);
    await page.getByRole('heading', { level: 1, name: 'Metrics' }).waitFor();
    await page.getByTestId('dora-table').locator('tbody tr').first().waitFor();
    await page.locator('.kpi-card').first().waitFor();
    await expectInWindow(page.getByLabel('Period', { exact: true }));
    await expectInWindow(page.getByRole('link', { name: 'Download KPIs as CSV' }));
    await expectInWindow(page.getByRole('link', { name: 'Incidents', exact: true }));
    await expectFitsTablet(page, 'metrics');
  });

  it('maturity', async () => {
    await page.goto(`${server.baseUrl}/maturity`);
    await page.getByRole('heading', { level: 1, name: 'Maturity assessment' }).waitFor();
    await page.getByTestId('assessment-list').locator('tbody tr').first().waitFor();
    await page.getByTestId('assessment-result').waitFor();
    await expectInWindow(page.getByRole('button', { name: 'Run assessment' }));
    await expectInWindow(page.getByRole('button', { name: 'Compare' }));
    await expectFitsTablet(page, 'maturity');
  });

  it('calendar and its freezes and maintenance windows', async () => {
    await page.goto(`${server.baseUrl}/calendar`);
    await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
    await page.locator('[data-testid="calendar-view"][aria-busy="false"]').waitFor();
    await expectFitsTablet(page, 'calendar');
    await page.goto(`${server.baseUrl}/calendar/windows`);
    await page.getByRole('heading', { level: 1, name: 'Freezes and maintenance windows' }).waitFor();
    await expectInWindow(page.getByRole('button', { name: 'Add a freeze' }));
    await expectInWindow(page.getByRole('button', { name: 'Add a maintenance window' }));
    await expectFitsTablet(page, 'calendar windows');
    await page.getByRole('button', { name: 'Add a freeze' }).click();
    await expectInWindow(page.getByRole('form', { name: 'Add a freeze' }).getByRole('button', { name: 'Cancel' }));
    await expectFitsTablet(page, 'calendar windows, freeze form open');
  });

  it('releases and a release', async () => {
    await page.goto(`${server.baseUrl}/releases`);
    await page.getByRole('heading', { level: 1, name: 'Releases' }).waitFor();
    await page.locator('[data-testid^="column-"] a').first().waitFor();
    await expectInWindow(page.getByRole('button', { name: 'New release' }));
    await expectFitsTablet(page, 'releases');
    await page.goto(`${server.baseUrl}/releases/${releaseId}`);
    await page.getByTestId('release-approvals').waitFor();
    await page.getByTestId('readiness').waitFor();
    await expectFitsTablet(page, 'release');
    await saveScreenshot(page, 'release-tablet');
  });

  it('rollouts and a rollout', async () => {
    await page.goto(`${server.baseUrl}/rollouts`);
    await page.getByRole('heading', { level: 1, name: 'Rollouts' }).waitFor();
    await page.getByRole('link', { name: `Rollout #${rolloutId}`, exact: true }).waitFor();
    await expectInWindow(page.getByLabel('State', { exact: true }));
    await expectFitsTablet(page, 'rollouts');
    await page.goto(`${server.baseUrl}/rollouts/${rolloutId}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^Rollout #${rolloutId}`) }).waitFor();
    await page.locator('.target-grid').first().waitFor();
    await expectFitsTablet(page, 'rollout');
  });

  it('the software library, an artifact and the upload form', async () => {
    await page.goto(`${server.baseUrl}/library`);
    await page.getByRole('heading', { level: 1, name: 'Software library' }).waitFor();
    await page.locator('table.artifact-table tbody tr').first().waitFor();
    await expectInWindow(page.getByRole('link', { name: 'Upload an artifact' }));
    await expectInWindow(page.getByRole('button', { name: 'Search' }));
    await expectFitsTablet(page, 'library');
    await page.goto(`${server.baseUrl}/library/artifacts/${artifactId}`);
    await page.getByTestId('artifact-badges').waitFor();
    await page.getByText(/No SBOM is attached|\d+ components:/).waitFor();
    await expectInWindow(page.getByRole('button', { name: 'Verify integrity' }));
    await expectFitsTablet(page, 'artifact');
    await page.goto(`${server.baseUrl}/library/artifacts/new`);
    await page.getByRole('heading', { level: 1, name: 'Upload an artifact' }).waitFor();
    await expectInWindow(page.getByLabel('File', { exact: true }));
    await expectInWindow(page.getByRole('button', { name: 'Upload', exact: true }));
    await expectFitsTablet(page, 'artifact upload');
  });

  it('incidents', async () => {
    await page.goto(`${server.baseUrl}/incidents`);
    await page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor();
    const row = page.getByTestId('open-incidents').getByRole('row', { name: /Tracking API answers slowly/ });
    await expectInWindow(row.getByRole('button', { name: /^Resolve/ }));
    await expectInWindow(page.getByRole('button', { name: 'Record incident' }));
    await page.getByTestId('resolved-incidents').locator('tbody tr').first().waitFor();
    await expectFitsTablet(page, 'incidents');
    await row.getByRole('button', { name: /^Resolve/ }).click();
    await expectInWindow(page.getByRole('button', { name: 'Resolve incident' }));
    await expectFitsTablet(page, 'incidents, resolve form open');
    await saveScreenshot(page, 'incidents-tablet');
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
