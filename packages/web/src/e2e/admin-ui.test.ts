/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSuite,
  browserAvailability,
  openDemoBrowser,
  pageWidthOverflow,
  type RunningSlipway,
  signIn,
  signOut,
} from './harness.js';

const browserTests = browserAvailability();
const ADMIN = { username: 'alice', password: 'Slipway-e2e-admin-Pa55', displayName: 'Alice Admin', roles: ['admin'] };
const ENGINEER = {
  username: 'bob',
  password: 'Slipway-e2e-engineer-Pa55',
  displayName: 'Bob Builder',
  roles: ['engineer'],
};
const REASON = 'INC-4711: payment database locked, must restart the primary now';

interface Team {
  id: number;
  name: string;
  memberCount: number;
}

interface Elevation {
  reason: string;
  active: boolean;
  endReason: string | null;
}

describe.runIf(browserTests.run)('team and break-glass administration in headless Chromium', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    suite = await openDemoBrowser({
      demo: false,
      users: [ADMIN, ENGINEER],
      // The too-short reason is refused on purpose, and Chromium logs the 400.
      expectedErrors: (text, url) => url.endsWith('/api/v1/auth/break-glass') && text.includes('status of 400'),
    });
    ({ server, page, consoleErrors } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('creates a team from the users page, staffs it and renames it', async () => {
    await signIn(page, server.baseUrl, ADMIN, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('main').getByRole('link', { name: 'Teams', exact: true }).click();
    await page.waitForURL('**/teams');

    await page.getByLabel('New team name').fill('Platform');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Team “Platform” created; add its members below.').waitFor();
    const created = (await server.api<{ items: Team[] }>('GET', '/api/v1/teams')).body.items;
    expect(created.map((team) => team.name)).toEqual(['Platform']);
    const teamId = (created[0] as Team).id;

    await page.getByRole('button', { name: 'Edit members of Platform' }).click();
    await page.getByLabel('Find a user').fill('bob');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.getByRole('button', { name: 'Add bob' }).click();
    await page.getByRole('list', { name: 'Members of Platform' }).getByText('Bob Builder').waitFor();
    await page.getByRole('button', { name: 'Save members' }).click();
    await page.getByText('Team “Platform” now has 1 member.').waitFor();
    // The list reloads after the save message: wait for the new count rather than read it once.
    await expect.poll(() => page.getByTestId(`team-${teamId}-members`).textContent()).toBe('1');
    const members = await server.api<{ items: { username: string }[] }>('GET', `/api/v1/teams/${teamId}/members`);
    expect(members.body.items.map((member) => member.username)).toEqual(['bob']);

    await page.getByRole('button', { name: 'Rename Platform' }).click();
    await page.getByLabel('New name of Platform').fill('Platform Engineering');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Team “Platform” is now “Platform Engineering”.').waitFor();
    const renamed = await server.api<Team>('GET', `/api/v1/teams/${teamId}`);
    expect(renamed.body).toMatchObject({ name: 'Platform Engineering', memberCount: 1 });
    expect(await pageWidthOverflow(page)).toBe(0);
  });

  it('starts a break-glass elevation from the account page, shows the banner and ends it', async () => {
    await page.goto(`${server.baseUrl}/account`);
    const form = page.getByRole('form', { name: 'Start a break-glass elevation' });
    await form.getByText(/every action you take is flagged in the audit trail/).waitFor();
    await expect(form.getByLabel('Minutes').inputValue()).resolves.toBe('30');

    // The server's rule, in the server's words.
    await form.getByLabel('Reason').fill('disk full');
    await form.getByRole('button', { name: 'Start break-glass elevation' }).click();
    const refusal = form.getByRole('alert');
    await refusal.getByText(/reason.*20/).waitFor();
    await expect(refusal.textContent()).resolves.toContain('VALIDATION_FAILED');
    await expect(page.locator('.break-glass-banner').count()).resolves.toBe(0);

    await form.getByLabel('Reason').fill(REASON);
    await form.getByLabel('Minutes').fill('15');
    await form.getByRole('button', { name: 'Start break-glass elevation' }).click();
    const banner = page.locator('.break-glass-banner');
    await banner.getByText(/Break-glass elevation \d+/).waitFor();
    await expect(banner.textContent()).resolves.toContain(REASON);
    const history = page.getByRole('table', { name: 'Recent break-glass elevations' });
    await history.getByText(REASON).waitFor();
    await history.getByText('active', { exact: true }).waitFor();

    await banner.getByRole('button', { name: 'End now' }).click();
    await history.getByText('ended', { exact: true }).waitFor();
    await expect(banner.count()).resolves.toBe(0);
    await form.getByLabel('Reason').waitFor();
    const elevations = await server.api<{ items: Elevation[] }>('GET', '/api/v1/auth/break-glass');
    expect(elevations.body.items).toMatchObject([{ reason: REASON, active: false, endReason: 'ended' }]);
    await signOut(page);
  });

  it('shows an engineer neither the teams page nor break-glass', async () => {
    await signIn(page, server.baseUrl, ENGINEER, '/');
    await page.goto(`${server.baseUrl}/teams`);
    await page.getByRole('heading', { name: 'Not available to you' }).waitFor();
    await expect(page.getByRole('main').textContent()).resolves.toContain('teams.admin');
    await page.goto(`${server.baseUrl}/account`);
    await page.getByRole('heading', { name: 'My API tokens' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Break-glass' }).count()).resolves.toBe(0);
    await signOut(page);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
