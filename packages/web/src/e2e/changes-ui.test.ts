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

const ENGINEER = {
  username: 'erin',
  password: 'Slipway-e2e-engineer-Pa55',
  displayName: 'Erin Engineer',
  roles: ['engineer'],
};
const MANAGER = {
  username: 'carl',
  password: 'Slipway-e2e-manager-Pa55',
  displayName: 'Carl Change',
  roles: ['change_manager'],
};
const CAB = { username: 'cara', password: 'Slipway-e2e-cab-Pa55', displayName: 'Cara CAB', roles: ['cab_member'] };
const AUDITOR = {
  username: 'aude',
  password: 'Slipway-e2e-auditor-Pa55',
  displayName: 'Aude Auditor',
  roles: ['auditor'],
};

interface CiRef {
  id: number;
  class: string;
  name: string;
}

/** "YYYY-MM-DDTHH:mm" in the browser's (and this process's) zone, as datetime-local inputs take. */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

describe.runIf(browserTests.run)('changes and the CAB in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  let desktop: CiRef;
  let otherChangeId = 0;
  let myChangeId = 0;
  const start = new Date(Date.now() + 3 * 86_400_000);
  start.setHours(21, 0, 0, 0);
  const end = new Date(start.getTime() + 90 * 60_000);

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [ENGINEER, MANAGER, CAB, AUDITOR],
      prepare: async (server) => {
        const found = await server.api<{ items: CiRef[] }>('GET', '/api/v1/cis?class=desktop&limit=1');
        desktop = found.body.items[0] as CiRef;
        // Another change on the same desktop in an overlapping window, on the calendar: the form
        // must show it as a same-CI conflict while the engineer plans theirs.
        const other = await server.api<{ id: number }>('POST', '/api/v1/changes', {
          type: 'normal',
          title: 'Reimage the desktop',
          ciIds: [desktop.id],
          plannedStart: new Date(start.getTime() + 30 * 60_000).toISOString(),
          plannedEnd: new Date(end.getTime() + 60 * 60_000).toISOString(),
          backoutPlan: 'Restore the previous image',
        });
        expect(other.status).toBe(201);
        otherChangeId = other.body.id;
        expect((await server.api('POST', `/api/v1/changes/${otherChangeId}/submit`, {})).status).toBe(200);
      },
    });
    ({ server, page, consoleErrors } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('raises a change with live risk and conflicts', async () => {
    await signIn(page, server.baseUrl, ENGINEER, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Changes' }).waitFor();
    await page.getByRole('navigation', { name: 'Changes' }).getByRole('link', { name: 'Raise a change' }).click();
    // Typing writes nothing: the draft is created by "Save draft" (no junk drafts left behind).
    const creates: string[] = [];
    const onRequest = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/changes')) creates.push(request.url());
    };
    page.on('request', onRequest);
    await page.getByLabel('Title').fill('Update the desktop browser');
    await page.getByLabel('What will be done').fill('Install the approved browser update');
    await page.waitForTimeout(1500); // longer than the draft's save delay
    expect(creates).toEqual([]);
    await expect(page.getByLabel('Type', { exact: true }).isEnabled()).resolves.toBe(true);
    await page.getByTestId('draft-status').getByText('Nothing is stored yet.').waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page
      .getByTestId('draft-status')
      .getByText(/Draft #\d+ saved/)
      .waitFor();
    page.off('request', onRequest);
    expect(creates).toHaveLength(1);
    await expect(page.getByLabel('Type', { exact: true }).isEnabled()).resolves.toBe(false);
    await page.getByLabel('Add a CI').fill(desktop.name);
    await page.getByRole('radio', { name: new RegExp(`^${desktop.name}`) }).click();
    await page
      .getByRole('list', { name: /CIs this change touches/ })
      .getByText(desktop.name)
      .waitFor();
    await page.getByLabel('Planned start').fill(localInput(start));
    await page.getByLabel('Planned end').fill(localInput(end));
    await page.getByLabel('Back-out plan').fill('Reinstall the previous browser version');
    // The risk panel follows the edits: the saved draft has the CI, the window and a back-out plan.
    const conflicts = page.getByTestId('live-conflicts');
    await conflicts
      .locator('[data-kind=same_ci]')
      .getByRole('link', { name: /Reimage the desktop/ })
      .waitFor();
    await page.getByTestId('risk-panel').getByRole('list', { name: 'Risk factors' }).waitFor();
    // With a back-out plan saved, its risk factor contributes nothing.
    await page.getByRole('meter', { name: /^backout plan: 0\.0 of/ }).waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'change-create');
    const status = await page.getByTestId('draft-status').textContent();
    myChangeId = Number(/Draft #(\d+)/.exec(status ?? '')?.[1]);
    await page.getByRole('button', { name: 'Submit for assessment' }).click();
    await page.waitForURL(`**/changes/${myChangeId}`);
    await page.getByTestId('change-badges').getByText('assess').waitFor();
    await page.getByTestId('change-conflicts').locator('[data-kind=same_ci]').waitFor();

    // The requester may still edit it while it is assessed: the form opens with its values.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(`**/changes/${myChangeId}/edit`);
    await expect(page.getByLabel('Title').inputValue()).resolves.toBe('Update the desktop browser');
    await page.getByLabel('Why').fill('The vendor fixed two actively exploited flaws');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`**/changes/${myChangeId}`);
    await page.getByText('The vendor fixed two actively exploited flaws').waitFor();
  });

  it('lists and filters changes', async () => {
    await page.getByRole('navigation', { name: 'Changes' }).getByRole('link', { name: 'All changes' }).click();
    const rows = page.locator('table.change-table tbody tr');
    await rows.first().waitFor();
    await page.getByLabel('Raised by me').check();
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/mine=1/);
    await expect.poll(() => rows.count()).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('Update the desktop browser');
    await page.getByLabel('Type').selectOption('emergency');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No change matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    await saveScreenshot(page, 'changes');
    await signOut(page);
  });

  it('lets the change manager assess both changes from the CAB queue', async () => {
    await signIn(page, server.baseUrl, MANAGER, '/');
    await page.goto(`${server.baseUrl}/changes/cab`);
    const toAssess = page.getByTestId('agenda-assess');
    await toAssess.getByRole('link', { name: /Update the desktop browser/ }).click();
    await page.waitForURL(`**/changes/${myChangeId}`);
    await page.getByRole('button', { name: 'Accept assessment, send to CAB' }).click();
    await page.getByTestId('change-badges').getByText('authorize').waitFor();
    await page.goto(`${server.baseUrl}/changes/${otherChangeId}`);
    await page.getByRole('button', { name: 'Accept assessment, send to CAB' }).click();
    await page.getByTestId('change-badges').getByText('authorize').waitFor();
    await signOut(page);
  });

  it('lets a CAB member approve one change and reject the other with comments', async () => {
    await signIn(page, server.baseUrl, CAB, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Changes' }).click();
    await page.getByRole('navigation', { name: 'Changes' }).getByRole('link', { name: 'CAB queue' }).click();
    const waiting = page.getByTestId('agenda-approve');
    await waiting.getByRole('link', { name: /Update the desktop browser/ }).waitFor();
    await waiting.getByRole('link', { name: /Reimage the desktop/ }).waitFor();
    await saveScreenshot(page, 'cab-queue');
    await waiting.getByRole('link', { name: /Update the desktop browser/ }).click();
    await page.getByLabel('Comment').fill('Fine outside office hours');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const summary = page.getByTestId('approval-summary');
    await summary.getByText('quorum reached').waitFor();
    await summary.getByText('Fine outside office hours').waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'change-approved');

    await page.goto(`${server.baseUrl}/changes/${otherChangeId}`);
    const reject = page.getByRole('button', { name: 'Reject' });
    await expect(reject.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Comment').fill('Clashes with the browser update; pick another night');
    await reject.click();
    await page.getByTestId('change-badges').getByText('rejected').waitFor();
    await summary.getByText('Clashes with the browser update').waitFor();
    await signOut(page);
  });

  it('lets the change manager schedule the approved change', async () => {
    await signIn(page, server.baseUrl, MANAGER, '/');
    await page.goto(`${server.baseUrl}/changes/${myChangeId}`);
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByTestId('change-badges').getByText('scheduled').waitFor();
    await signOut(page);
  });

  it('shows an auditor changes without any action', async () => {
    await signIn(page, server.baseUrl, AUDITOR, '/');
    await page.goto(`${server.baseUrl}/changes`);
    await expect
      .poll(() => page.getByRole('navigation', { name: 'Changes' }).getByRole('link').allTextContents())
      .toEqual(['All changes']);
    await page.goto(`${server.baseUrl}/changes/${myChangeId}`);
    await page.getByTestId('approval-summary').waitFor();
    await expect(page.getByRole('button', { name: /Approve|Start implementing|Edit/ }).count()).resolves.toBe(0);
    await page.goto(`${server.baseUrl}/changes/new`);
    await page.getByRole('heading', { name: 'Not available to you' }).waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
