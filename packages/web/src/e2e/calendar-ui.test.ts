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
} from './harness.js';

const browserTests = browserAvailability();
const MANAGER = {
  username: 'carl',
  password: 'Slipway-e2e-manager-Pa55',
  displayName: 'Carl Change',
  roles: ['change_manager'],
};

function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

describe.runIf(browserTests.run)('the change calendar in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  const day = new Date(Date.now() + 5 * 86_400_000);
  day.setHours(20, 0, 0, 0);

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [MANAGER],
      prepare: async (server) => {
        const found = await server.api<{ items: { id: number }[] }>('GET', '/api/v1/cis?class=server&limit=1');
        const serverCi = found.body.items[0]?.id as number;
        // Two submitted changes on the same server in overlapping windows: a conflict to highlight.
        for (const [title, offsetMinutes] of [
          ['Patch the kernel', 0],
          ['Replace a disk', 45],
        ] as const) {
          const start = new Date(day.getTime() + offsetMinutes * 60_000);
          const created = await server.api<{ id: number }>('POST', '/api/v1/changes', {
            type: 'normal',
            title,
            ciIds: [serverCi],
            plannedStart: start.toISOString(),
            plannedEnd: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
            backoutPlan: 'Undo it',
          });
          expect(created.status).toBe(201);
          expect((await server.api('POST', `/api/v1/changes/${created.body.id}/submit`, {})).status).toBe(200);
        }
      },
    });
    ({ server, page, consoleErrors } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('shows the month with changes in conflict highlighted', async () => {
    await signIn(page, server.baseUrl, MANAGER, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Calendar' }).click();
    await page.getByRole('button', { name: 'Month', exact: true }).waitFor();
    await expect(page.getByRole('button', { name: 'Month', exact: true }).getAttribute('aria-pressed')).resolves.toBe(
      'true',
    );
    await page.goto(`${server.baseUrl}/calendar?view=month&date=${dayKey(day)}`);
    const cell = page.locator(`td[data-day="${dayKey(day)}"]`);
    await cell.getByRole('link', { name: /Patch the kernel/ }).waitFor();
    await expect(cell.locator('.cal-conflict').count()).resolves.toBe(2);
    const conflicts = page.getByTestId('calendar-conflicts');
    await conflicts.locator('[data-kind=same_ci]').first().waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'calendar-month');
  });

  it('shows the year-end freeze and moves by month with the keyboard', async () => {
    await page.goto(`${server.baseUrl}/calendar?view=month&date=${day.getFullYear()}-12-01`);
    const freezeDay = page.locator(`td[data-day="${day.getFullYear()}-12-20"]`);
    await freezeDay.locator('[data-source=freezes]', { hasText: 'Year-end freeze' }).waitFor();
    await page.getByRole('button', { name: 'Next →' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByTestId('calendar-range')
      .getByText(`January ${day.getFullYear() + 1}`)
      .waitFor();
    // The freeze runs until 6 January.
    await page
      .locator(`td[data-day="${day.getFullYear() + 1}-01-05"]`)
      .locator('[data-source=freezes]')
      .first()
      .waitFor();
  });

  it('shows a week and a timeline of every source', async () => {
    await page.goto(`${server.baseUrl}/calendar?view=month&date=${dayKey(day)}`);
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.waitForURL(/view=week/);
    const weekDay = page.locator(`li[data-day="${dayKey(day)}"]`);
    await weekDay.getByRole('link', { name: /Replace a disk/ }).waitFor();
    await page.getByRole('button', { name: 'Timeline', exact: true }).click();
    await page.waitForURL(/view=timeline/);
    const lanes = page.getByRole('region', { name: 'Timeline' }).getByRole('list');
    await expect
      .poll(() => lanes.evaluateAll((all) => all.map((lane) => lane.getAttribute('aria-label'))))
      .toEqual(expect.arrayContaining(['Changes', 'Freezes', 'Maintenance windows']));
    await page
      .getByRole('list', { name: 'Changes' })
      .getByRole('link', { name: /Patch the kernel/ })
      .waitFor();
    await page.getByRole('list', { name: 'Maintenance windows' }).locator('.cal-bar').first().waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'calendar-timeline');
    // Hiding a source removes its lane.
    await page.getByRole('checkbox', { name: 'Maintenance windows' }).uncheck();
    await expect(page.getByRole('list', { name: 'Maintenance windows' }).count()).resolves.toBe(0);
  });

  it('creates an iCalendar link that a calendar client can read', async () => {
    await page.getByLabel('Name of the subscription').fill('Outlook');
    await page.getByRole('button', { name: 'Create iCalendar link' }).click();
    const link = page.getByRole('textbox', { name: 'iCalendar subscription link' });
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(/\/api\/v1\/calendar\.ics\?token=slwcal_/);
    const feed = await fetch(url);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toMatch(/^text\/calendar/);
    const body = await feed.text();
    expect(body).toContain('BEGIN:VCALENDAR');
    expect(body).toContain('Patch the kernel');
    await page
      .getByRole('list', { name: 'Your calendar links' })
      .getByText(/Outlook/)
      .waitFor();
    await page.getByRole('button', { name: 'Revoke Outlook' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Your calendar links' }).count()).toBe(0);
    expect((await fetch(url)).status).toBe(401);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
