/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSuite,
  browserAvailability,
  openDemoBrowser,
  pageWidthOverflow,
  type RunningSlipway,
  saveScreenshot,
  signIn,
  signOut,
} from './harness.js';

const browserTests = browserAvailability();
const MANAGER = {
  username: 'rita',
  password: 'Slipway-e2e-manager-Pa55',
  displayName: 'Rita Release',
  roles: ['release_manager'],
};
const CAB = { username: 'cara', password: 'Slipway-e2e-cab-Pa55', displayName: 'Cara CAB', roles: ['cab_member'] };

/** What a datetime-local input holds for an instant (the browser runs in this machine's time zone). */
function localInput(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The one refusal this suite provokes: an incident that starts in the future (400). */
function expectedError(text: string, url: string): boolean {
  return text.includes('status of 400') && url.endsWith('/api/v1/incidents');
}

interface IncidentBody {
  id: number;
  title: string;
  open: boolean;
  resolvedAt: string | null;
  severity: string;
  cause: { kind: string; id: number } | null;
  cis: { name: string }[];
}

describe.runIf(browserTests.run)('metrics and maturity in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [MANAGER, CAB],
      expectedErrors: expectedError,
    });
    ({ server, page, consoleErrors } = suite);
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('shows the KPIs of the demo year with their basis, trend and the DORA bands', async () => {
    await signIn(page, server.baseUrl, MANAGER, '/');
    // The dashboard carries the key KPIs for users who may read metrics.
    const cards = page.getByTestId('dashboard-kpis');
    await cards
      .getByTestId('kpi-change-success')
      .getByText(/ of \d+ completed changes/)
      .waitFor();
    await expect(cards.locator('.kpi-card').count()).resolves.toBe(4);

    // The header has no room for another item at 1280 px; the dashboard section leads to the page.
    await cards.getByRole('link', { name: 'All KPIs and the DORA keys' }).click();
    await page.getByRole('heading', { name: 'Metrics', level: 1 }).waitFor();
    await page.getByLabel('Period', { exact: true }).selectOption('365');
    const success = page.getByTestId('kpi-change-success');
    await success.getByText(/ of \d+ completed changes/).waitFor();
    // A year of demo history: the ratio is over something, and the sparkline has a drawn line.
    const basis = (await success.locator('.kpi-basis').textContent()) ?? '';
    const [, numerator, denominator] = /(\d+) of (\d+)/.exec(basis) ?? [];
    expect(Number(denominator)).toBeGreaterThan(0);
    expect(Number(numerator)).toBeLessThanOrEqual(Number(denominator));
    await expect(success.locator('.kpi-value').textContent()).resolves.toMatch(/^\d+\.\d %$/);
    await expect(success.locator('svg.sparkline polyline').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('.kpi-card').count()).resolves.toBe(7);
    const dora = page.getByTestId('dora-table');
    await expect(dora.locator('tbody tr').count()).resolves.toBe(4);
    await expect(dora.locator('tbody tr').first().locator('.band').textContent()).resolves.toMatch(
      /^(elite|high|medium|low)$/,
    );
    const csv = await page.getByRole('link', { name: 'Download KPIs as CSV' }).getAttribute('href');
    const download = await page.evaluate(async (href) => (await fetch(href as string)).text(), csv);
    expect(download.split('\n').length).toBeGreaterThan(3);
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'metrics');
  });

  it('runs an assessment and shows its levels, gaps and evidence', async () => {
    await page.getByRole('link', { name: 'Maturity assessment' }).click();
    await page.getByRole('heading', { name: 'Maturity assessment', level: 1 }).waitFor();
    const list = page.getByTestId('assessment-list');
    await list.waitFor();
    const before = await list.locator('tbody tr').count();
    // The demo stores two assessments.
    expect(before).toBeGreaterThanOrEqual(2);
    await page.getByLabel('Title').fill('E2E assessment');
    await page.getByLabel('Title').press('Enter');
    await page
      .getByRole('status')
      .getByText(/Assessment #\d+ stored/)
      .waitFor();
    await expect.poll(() => list.locator('tbody tr').count()).toBe(before + 1);
    await page.getByRole('heading', { name: /E2E assessment/ }).waitFor();
    const result = page.getByTestId('assessment-result');
    await result.getByRole('heading', { name: /^Release management: level [1-5] / }).waitFor();
    await result
      .getByText(/^Recommendation: /)
      .first()
      .waitFor();
    await result.getByText('All', { exact: false }).first().click();
    await expect(result.getByText(/\d+ of \d+ \(\d+ %\)/).count()).resolves.toBeGreaterThan(0);

    await page.getByLabel('Earlier').selectOption({ index: 2 });
    await page.getByLabel('Later').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Compare' }).click();
    await page
      .getByTestId('comparison')
      .getByText(/Release management: level \d → \d/)
      .waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'maturity');
    expect(consoleErrors).toEqual([]);
  });

  it('answers a question of the questionnaire and the level follows the answer', async () => {
    const form = page.getByTestId('answer-form');
    await form.getByText(/^Answer the questionnaire \(\d+ questions\)$/).click();
    const release = form.getByRole('region', { name: 'Release management' });
    await release.getByRole('heading', { name: 'Level 2', level: 4 }).waitFor();
    // The first release question is of level 2: a plain "no" there holds the process at level 1.
    const question = release
      .locator('div', { has: page.getByRole('heading', { name: 'Level 2', level: 4 }) })
      .getByRole('group')
      .first();
    const text = ((await question.locator('legend').textContent()) ?? '').trim();
    expect(text.length).toBeGreaterThan(0);
    const evidenceChecked = await question.getByRole('radio', { checked: true }).count();
    expect(evidenceChecked).toBeLessThanOrEqual(1);
    // Keyboard: focus the group's radios and pick "No", then type a note.
    const no = question.getByRole('radio', { name: /^No/ });
    await no.focus();
    await page.keyboard.press('Space');
    await expect(no.isChecked()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Checked by hand in the E2E run');
    await expect(question.getByLabel(`Note on: ${text}`).inputValue()).resolves.toBe('Checked by hand in the E2E run');
    await form.getByText('1 answer of yours overrides the evidence', { exact: true }).waitFor();

    await page.getByLabel('Title', { exact: true }).fill('Answered assessment');
    await form.getByRole('button', { name: 'Run assessment' }).click();
    await page.getByRole('heading', { name: /Answered assessment/ }).waitFor();
    const result = page.getByTestId('assessment-result');
    await result.getByRole('heading', { name: /^Release management: level 1 / }).waitFor();
    // The question carries the person's answer and note, and is a gap to level 2.
    await result.getByText(text, { exact: false }).first().waitFor();
    const release2 = result.getByRole('region', { name: /^Release management/ });
    await release2.locator('details summary').click();
    const row = release2.getByRole('row', { name: new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
    await row.getByText('by person').waitFor();
    await row.getByText('Checked by hand in the E2E run').waitFor();
    await expect(row.getByRole('cell').nth(1).textContent()).resolves.toMatch(/^no/);
    expect(consoleErrors).toEqual([]);
  });
  it('records an incident caused by a rollout, refusing a start in the future, then resolves it', async () => {
    const rollout = (
      await server.api<{ items: { id: number; releaseId: number }[] }>('GET', '/api/v1/rollouts?limit=1')
    ).body.items[0];
    if (!rollout) throw new Error('The demo has no rollout');
    await page.goto(`${server.baseUrl}/metrics`);
    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor();
    const form = page.getByRole('form', { name: 'Record an incident' });
    await form.getByLabel('Title').fill('Parcel tracking returns errors');
    await form.getByLabel('Severity').selectOption('critical');
    await form.getByLabel('Started at').fill(localInput(Date.now() + 2 * 86_400_000));
    await form.getByLabel('Caused by').selectOption('rollout');
    await form.getByLabel('Rollout number').fill(String(rollout.id));
    await form
      .getByTestId('cause-lookup')
      .getByText(`recorded against release #${rollout.releaseId}`, { exact: false })
      .waitFor();
    await form.getByLabel('Affected CIs (optional): add one').fill('ams-trkevt01');
    await form.getByLabel(/^ams-trkevt01/).click();
    await form.getByRole('list', { name: 'Affected CIs' }).getByText('ams-trkevt01').waitFor();
    await form.getByRole('button', { name: 'Record incident' }).click();
    // The server's refusal, next to the form; nothing recorded.
    await form
      .getByRole('alert')
      .getByText(/startedAt is in the future/)
      .waitFor();
    await form.getByLabel('Started at').fill(localInput(Date.now() - 2 * 3_600_000));
    await form.getByRole('button', { name: 'Record incident' }).click();
    await page.getByRole('status').getByText(`caused by release #${rollout.releaseId}`, { exact: false }).waitFor();
    const open = page.getByTestId('open-incidents');
    const row = open.getByRole('row', { name: /Parcel tracking returns errors/ });
    await row.getByText('critical').waitFor();
    await row.getByRole('link', { name: new RegExp(`release #${rollout.releaseId}`) }).waitFor();
    const listed = await server.api<{ items: IncidentBody[] }>('GET', '/api/v1/incidents?open=true');
    const recorded = listed.body.items.find((incident) => incident.title === 'Parcel tracking returns errors');
    expect(recorded).toMatchObject({
      open: true,
      severity: 'critical',
      cause: { kind: 'release', id: rollout.releaseId },
      cis: [{ name: 'ams-trkevt01' }],
    });
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'incidents');

    await row.getByRole('button', { name: 'Resolve Parcel tracking returns errors' }).click();
    const resolve = page.getByRole('form', { name: 'Resolve incident Parcel tracking returns errors' });
    await expect(resolve.getByLabel('Restored at').inputValue()).resolves.toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    await resolve.getByRole('button', { name: 'Resolve incident' }).click();
    await page
      .getByRole('status')
      .getByText(/Resolved “Parcel tracking returns errors” after (1 h 5\d min|2 h( \d min)?)/)
      .waitFor();
    await open.getByText('No incident is open.').waitFor();
    await page
      .getByTestId('resolved-incidents')
      .getByRole('row', { name: /Parcel tracking returns errors/ })
      .waitFor();
    const resolved = await server.api<IncidentBody>('GET', `/api/v1/incidents/${recorded?.id}`);
    expect(resolved.body.open).toBe(false);
    expect(resolved.body.resolvedAt).not.toBeNull();
    expect(consoleErrors).toEqual([]);
  });

  it('shows incidents without the record form to those who may only read them', async () => {
    await server.api('POST', '/api/v1/incidents', {
      title: 'Booking engine slow',
      severity: 'minor',
      startedAt: new Date(Date.now() - 600_000).toISOString(),
    });
    await signOut(page);
    await signIn(page, server.baseUrl, CAB, '/');
    await page.goto(`${server.baseUrl}/incidents`);
    const row = page.getByTestId('open-incidents').getByRole('row', { name: /Booking engine slow/ });
    await row.waitFor();
    await expect(row.getByRole('button').count()).resolves.toBe(0);
    await expect(page.getByRole('form', { name: 'Record an incident' }).count()).resolves.toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
