/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailability,
  createUsers,
  ensureWebBuild,
  launchChromium,
  newPage,
  pageWidthOverflow,
  type RunningSlipway,
  saveScreenshot,
  signIn,
  startSlipway,
  trackConsoleErrors,
} from './harness.js';

const browserTests = browserAvailability();
const MANAGER = {
  username: 'rita',
  password: 'Slipway-e2e-manager-Pa55',
  displayName: 'Rita Release',
  roles: ['release_manager'],
};

describe.runIf(browserTests.run)('metrics and maturity in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startSlipway({ demo: true });
    await createUsers(server, [MANAGER]);
    browser = await launchChromium();
    page = await newPage(browser);
    consoleErrors = trackConsoleErrors(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
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
});
