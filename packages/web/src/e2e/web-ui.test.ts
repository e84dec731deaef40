import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailability,
  ensureWebBuild,
  launchChromium,
  type RunningSlipway,
  saveScreenshot,
  startSlipway,
} from './harness.js';

const browserTests = browserAvailability();

const ADMIN = { username: 'alice', password: 'Slipway-e2e-admin-Pa55' };
const WRONG_PASSWORD = 'not-the-right-password';

/**
 * Chromium reports every 4xx answer as a console error ("Failed to load resource"). Exactly these
 * are expected: the deliberately wrong password and the throttled sign-in. (A signed-out visitor's
 * first page asks for no session: the app only asks when the sign-in hint cookie says there is one.)
 * Any other console error, or any uncaught page error, fails the suite.
 */
function isExpectedConsoleError(message: ConsoleMessage): boolean {
  const url = message.location().url;
  const text = message.text();
  const status = (code: number) =>
    text.startsWith(`Failed to load resource: the server responded with a status of ${code}`);
  return (status(401) && url.endsWith('/api/v1/auth/login')) || (status(429) && url.endsWith('/api/v1/auth/login'));
}

describe.runIf(browserTests.run)('web UI in headless Chromium', () => {
  let server: RunningSlipway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let tokenSecret = '';
  let bobPassword = '';

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startSlipway();
    const created = await server.api('POST', '/api/v1/users', {
      username: ADMIN.username,
      displayName: 'Alice Admin',
      email: 'alice@example.org',
      roles: ['admin'],
      password: ADMIN.password,
    });
    expect(created.status).toBe(201);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (message.type() === 'error' && !isExpectedConsoleError(message)) {
        consoleErrors.push(`${message.text()} (${message.location().url})`);
      }
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses a wrong password with the API message, then signs in by keyboard', async () => {
    await page.goto(`${server.baseUrl}/account`);
    await page.waitForURL('**/login');
    await expect(page.getByRole('heading', { name: 'Sign in to Slipway' }).isVisible()).resolves.toBe(true);
    await saveScreenshot(page, 'login');

    await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill(WRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Invalid username or password');
    expect(page.url()).toMatch(/\/login$/);

    // Keyboard only: the username field keeps its value, Tab moves to the password, Enter submits.
    await page.getByLabel('Username', { exact: true }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    // Back to the page the visitor first asked for.
    await page.waitForURL('**/account');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual([
        'Dashboard',
        'CMDB',
        'Changes',
        'Calendar',
        'Releases',
        'Rollouts',
        'Metrics',
        'Library',
        'Policy',
        'Users',
        'Audit',
      ]);
    // Every page an admin may open fits the header on one line at 1280 px (the account is under the name).
    const header = await page.locator('header.topbar').boundingBox();
    expect(header?.height).toBeLessThan(70);
    await expect(page.getByRole('heading', { name: 'My details' }).isVisible()).resolves.toBe(true);
    await page.getByText('alice@example.org').waitFor();
  });

  it('creates an API token, shows its secret once, and lists it', async () => {
    await page.getByLabel('Token name').fill('ci pipeline');
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secretField = page.getByRole('textbox', { name: 'New token “ci pipeline”' });
    await secretField.waitFor();
    tokenSecret = await secretField.inputValue();
    expect(tokenSecret).toMatch(/^slw_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page
      .locator('.secret-status')
      .filter({ hasText: /Copied|Selected/ })
      .waitFor();

    const row = page.getByRole('row').filter({ hasText: 'ci pipeline' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('active');

    // The secret shown is a working credential.
    const asToken = await server.api<{ user: { username: string } }>(
      'GET',
      '/api/v1/auth/session',
      undefined,
      tokenSecret,
    );
    expect(asToken.status).toBe(200);
    expect(asToken.body.user.username).toBe(ADMIN.username);
    await saveScreenshot(page, 'account');
  });

  it('revokes the token, which stops working at once', async () => {
    await page.getByRole('button', { name: 'Revoke token ci pipeline' }).click();
    await page.getByRole('button', { name: 'Confirm revoking token ci pipeline' }).click();
    await page.getByText('Token “ci pipeline” revoked').waitFor();
    await page.getByRole('row').filter({ hasText: 'ci pipeline' }).waitFor({ state: 'detached' });
    await expect(page.getByRole('textbox', { name: 'New token “ci pipeline”' }).count()).resolves.toBe(0);

    await page.getByLabel('Show revoked tokens').check();
    const revokedRow = page.getByRole('row').filter({ hasText: 'ci pipeline' });
    await revokedRow.waitFor();
    await expect(revokedRow.textContent()).resolves.toContain('revoked');

    const asToken = await server.api('GET', '/api/v1/auth/session', undefined, tokenSecret);
    expect(asToken.status).toBe(401);
  });

  it('lets the admin create a user with roles and shows the generated password once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.waitForURL('**/users');
    await page.getByRole('row').filter({ hasText: 'alice' }).waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('Username', { exact: true }).fill('bob');
    await page.getByLabel('Full name').fill('Bob Builder');
    await page.getByLabel('E-mail').fill('bob@example.org');
    const roles = page.getByRole('group', { name: 'Roles', exact: true });
    await roles.getByLabel('release manager').check();
    await roles.getByLabel('engineer').uncheck();
    await saveScreenshot(page, 'user-create');
    await page.getByRole('button', { name: 'Create user' }).click();

    const passwordField = page.getByRole('textbox', { name: 'Initial password for bob' });
    await passwordField.waitFor();
    bobPassword = await passwordField.inputValue();
    expect(bobPassword.length).toBeGreaterThanOrEqual(12);
    const bobRow = page.getByRole('row').filter({ hasText: 'Bob Builder' });
    await bobRow.waitFor();
    await expect(bobRow.textContent()).resolves.toContain('release manager');
    await saveScreenshot(page, 'users');

    // Edit roles: add engineer back, through the inline editor.
    await page.getByRole('button', { name: 'Edit roles of bob' }).click();
    await page.getByRole('group', { name: 'Roles of bob' }).getByLabel('engineer').check();
    await page.getByRole('button', { name: 'Save roles' }).click();
    await page.getByText('Roles of bob saved.').waitFor();
    // The list reloads after the save; wait for the row to show the new roles.
    await expect.poll(() => bobRow.textContent()).toContain('engineer');

    // Disable and enable again.
    await page.getByRole('button', { name: 'Disable bob' }).click();
    await page.getByText('bob is disabled and signed out everywhere.').waitFor();
    await page.getByRole('button', { name: 'Enable bob' }).click();
    await page.getByText('bob can sign in again.').waitFor();

    await page.setViewportSize({ width: 820, height: 1180 });
    await saveScreenshot(page, 'users-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows the audit trail with filters and details, and the chain verifies', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit', exact: true }).click();
    await page.waitForURL('**/audit');
    const table = page.locator('table.audit-table');
    await table.getByText('token.revoke').first().waitFor();
    const actions = await table.locator('tbody tr td:nth-child(4)').allTextContents();
    // Newest first: the last things done come at the top.
    expect(actions[0]).toBe('user.update');
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'token.create', 'token.revoke', 'auth.login']));

    await page
      .getByRole('button', { name: /Show changes of entry/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Before' }).waitFor();
    await expect(page.locator('tr.expanded pre').nth(1).textContent()).resolves.toContain('"username": "bob"');

    await page.getByLabel('Action', { exact: true }).fill('token.create');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL('**/audit?action=token.create');
    // Only token.create rows once the filtered page has replaced the unfiltered one.
    await expect
      .poll(async () => [...new Set(await table.locator('tbody tr td:nth-child(4)').allTextContents())])
      .toEqual(['token.create']);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL(/\/audit$/);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const verdict = page.getByTestId('verify-result');
    await verdict.waitFor();
    await expect(verdict.textContent()).resolves.toMatch(/^OK/);
    await saveScreenshot(page, 'audit');
  });

  it('signs out; the next user sees only what their roles allow and changes their password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.getByText('You have signed out.').waitFor();
    // The session is gone on the server too: a reload stays on the login page.
    await page.goto(`${server.baseUrl}/users`);
    await page.waitForURL('**/login');

    await page.getByLabel('Username', { exact: true }).fill('bob');
    await page.getByLabel('Password', { exact: true }).fill(bobPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/users');
    // Bob (release manager, engineer) may not read users: the page says so, the navigation hides it.
    await page.getByRole('heading', { name: 'Not available to you' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual(['Dashboard', 'CMDB', 'Changes', 'Calendar', 'Releases', 'Rollouts', 'Metrics', 'Library', 'Policy']);

    // Bob replaces the generated password; that ends his sessions, so he signs in again.
    const newPassword = 'Harbour-crane-lifts-42';
    await page.getByRole('link', { name: /^My account/ }).click();
    await page.getByLabel('Current password').fill(bobPassword);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL('**/login');
    await page.getByText('Your password was changed').waitFor();
    await page.getByLabel('Username', { exact: true }).fill('bob');
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/account');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
  });

  it('makes the first page interactive within 1 s on loopback with a cold cache', async () => {
    // A fresh context: nothing cached, no cookies — what a first visit costs.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    try {
      const cold = await context.newPage();
      const started = Date.now();
      await cold.goto(`${server.baseUrl}/`);
      await cold.getByLabel('Username', { exact: true }).waitFor();
      const firstPageMs = Date.now() - started;
      const domInteractiveMs = await cold.evaluate(
        () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domInteractive,
      );
      await cold.getByLabel('Username', { exact: true }).fill(ADMIN.username);
      await cold.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      const signInStarted = Date.now();
      await cold.getByLabel('Password', { exact: true }).press('Enter');
      await cold.getByRole('navigation', { name: 'Main' }).waitFor();
      const dashboardMs = Date.now() - signInStarted;
      console.log(
        `first page: sign-in form usable ${firstPageMs} ms after navigation (domInteractive ${Math.round(domInteractiveMs)} ms); ` +
          `sign-in to the dashboard ${dashboardMs} ms`,
      );
      expect(firstPageMs).toBeLessThanOrEqual(1000);
    } finally {
      await context.close();
    }
  });

  it('explains login throttling', async () => {
    // Failures beyond the free ones throttle the name for a growing time (8 failures: 8 s).
    for (let attempt = 0; attempt < 8; attempt++) {
      const failed = await server.api(
        'POST',
        '/api/v1/auth/login',
        { username: 'mallory', password: WRONG_PASSWORD },
        '',
      );
      expect(failed.status).toBeGreaterThanOrEqual(400);
    }
    await page.getByLabel('Username', { exact: true }).fill('mallory');
    await page.getByLabel('Password', { exact: true }).fill(WRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /Too many failed sign-ins for this account name\. Wait \d+ seconds/,
    );
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
