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
  username: 'wanda',
  password: 'Slipway-e2e-manager-Pa55',
  displayName: 'Wanda Window',
  roles: ['change_manager'],
};
const ENGINEER = {
  username: 'eddie',
  password: 'Slipway-e2e-engineer-Pa55',
  displayName: 'Eddie Engineer',
  roles: ['engineer'],
};

describe.runIf(browserTests.run)('freezes and maintenance windows in headless Chromium', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [MANAGER, ENGINEER],
      // The one refusal provoked on purpose: a window that ends before it starts (refused by the server).
      expectedErrors: (text, url) =>
        /status of 4(00|22)/.test(text) && /\/api\/v1\/(freezes|maintenance-windows)/.test(url),
    });
    ({ server, page, consoleErrors } = suite);
    page.on('dialog', (dialog) => void dialog.accept());
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('adds, edits and removes a freeze and a maintenance window from the calendar', async () => {
    await signIn(page, server.baseUrl, MANAGER, '/');
    await page.goto(`${server.baseUrl}/calendar`);
    await page.getByRole('link', { name: 'Freezes and maintenance windows' }).click();
    await page.waitForURL('**/calendar/windows');
    await page.getByRole('heading', { name: 'Freezes and maintenance windows', level: 1 }).waitFor();

    // A recurring hard freeze, scoped to production.
    await page.getByRole('button', { name: 'Add a freeze' }).click();
    const form = page.getByRole('form', { name: 'Add a freeze' });
    await form.getByLabel('Name').fill('E2E year-end freeze');
    await form.getByLabel('Kind').selectOption('hard');
    await form.getByLabel('Starts').fill('2027-12-20T00:00');
    // Ends before it starts: the server refuses, and its message shows in the form.
    await form.getByLabel('Ends').fill('2027-12-19T00:00');
    await form.getByLabel('Recurrence (RRULE, empty for one-off)').fill('FREQ=YEARLY');
    await form.getByLabel('Time zone').fill('Europe/Berlin');
    await form.getByLabel('Environments (comma-separated)').fill('production');
    await form.getByRole('button', { name: 'Add freeze' }).click();
    await form.getByRole('alert').waitFor();
    await expect(form.getByRole('alert').textContent()).resolves.toMatch(/\(INVALID_INPUT\)/);
    await form.getByLabel('Ends').fill('2028-01-02T00:00');
    await form.getByLabel('Ends').press('Enter');
    await page.getByRole('status').getByText('Added “E2E year-end freeze”.').waitFor();
    const freezes = page.getByTestId('freeze-list');
    const row = freezes.getByRole('row', { name: /E2E year-end freeze/ });
    await expect.poll(() => row.getByRole('cell').nth(0).textContent()).toBe('hard');
    await row.getByText('FREQ=YEARLY').waitFor();
    await row.getByText('Europe/Berlin').waitFor();
    await row.getByText('environments production').waitFor();

    // The API holds what the form said.
    const stored = await server.api<{
      items: { name: string; kind: string; rrule: string; scope: { environments: string[] } }[];
    }>('GET', '/api/v1/freezes?limit=200');
    const freeze = stored.body.items.find((item) => item.name === 'E2E year-end freeze');
    expect(freeze).toMatchObject({ kind: 'hard', rrule: 'FREQ=YEARLY', scope: { environments: ['production'] } });

    // Edit: soft instead of hard.
    await row.getByRole('button', { name: 'Edit E2E year-end freeze' }).click();
    const edit = page.getByRole('form', { name: 'Edit freeze E2E year-end freeze' });
    await edit.getByLabel('Kind').selectOption('soft');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved “E2E year-end freeze”.').waitFor();
    // The list reloads after the status shows: wait for the row to say so.
    await expect.poll(() => row.getByRole('cell').nth(0).textContent()).toBe('soft');

    // A one-off maintenance window on a CI.
    const found = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/cis?class=server&limit=1');
    const ciId = found.body.items[0]?.id as number;
    await page.getByRole('button', { name: 'Add a maintenance window' }).click();
    const windowForm = page.getByRole('form', { name: 'Add a maintenance window' });
    await windowForm.getByLabel('Name').fill('E2E patch night');
    await windowForm.getByLabel('Starts').fill('2027-03-06T22:00');
    await windowForm.getByLabel('Ends').fill('2027-03-07T02:00');
    await windowForm.getByLabel('CI ids (comma-separated)').fill(String(ciId));
    await windowForm.getByRole('button', { name: 'Add maintenance window' }).click();
    await page.getByRole('status').getByText('Added “E2E patch night”.').waitFor();
    const windowRow = page.getByTestId('maintenance-list').getByRole('row', { name: /E2E patch night/ });
    await windowRow.getByText('one-off').waitFor();
    await windowRow.getByText(String(ciId), { exact: true }).waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'calendar-windows');

    // Remove both (the confirmation is accepted).
    await row.getByRole('button', { name: 'Remove E2E year-end freeze' }).click();
    await page.getByRole('status').getByText('Removed “E2E year-end freeze”.').waitFor();
    await expect.poll(() => freezes.getByRole('row', { name: /E2E year-end freeze/ }).count()).toBe(0);
    await windowRow.getByRole('button', { name: 'Remove E2E patch night' }).click();
    await page.getByRole('status').getByText('Removed “E2E patch night”.').waitFor();
    const left = await server.api<{ items: { name: string }[] }>('GET', '/api/v1/maintenance-windows?limit=200');
    expect(left.body.items.map((item) => item.name)).not.toContain('E2E patch night');
  });

  it('shows the list without write controls to a reader without changes.manage', async () => {
    const created = await server.api('POST', '/api/v1/freezes', {
      name: 'E2E read-only freeze',
      kind: 'soft',
      startsAt: '2027-06-01T00:00:00Z',
      endsAt: '2027-06-02T00:00:00Z',
    });
    expect(created.status).toBe(201);
    await signOut(page);
    await signIn(page, server.baseUrl, ENGINEER, '/');
    await page.goto(`${server.baseUrl}/calendar/windows`);
    await page
      .getByTestId('freeze-list')
      .getByRole('row', { name: /E2E read-only freeze/ })
      .waitFor();
    await expect(page.getByRole('button', { name: 'Add a freeze' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Add a maintenance window' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^(Edit|Remove) / }).count()).resolves.toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
