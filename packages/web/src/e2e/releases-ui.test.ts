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
const RELEASE_MANAGER = {
  username: 'rita',
  password: 'Slipway-e2e-release-Pa55',
  displayName: 'Rita Release',
  roles: ['release_manager'],
};
const CAB = { username: 'cara', password: 'Slipway-e2e-cab-Pa55', displayName: 'Cara CAB', roles: ['cab_member'] };

interface ReleaseRef {
  id: number;
  title: string;
  state: string;
  type: string;
  unit: { name: string };
  releaseVersion: string;
}

/** Refusals this suite provokes on purpose: a gated transition and an approval before the gates hold (422). */
function expectedError(text: string, url: string): boolean {
  return text.includes('status of 422') && /\/api\/v1\/releases\/\d+\/(transitions|approve)$/.test(url);
}

describe.runIf(browserTests.run)('dashboard and releases in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  let releases: ReleaseRef[] = [];
  let changeId = 0;

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [RELEASE_MANAGER, CAB],
      expectedErrors: expectedError,
      prepare: async (server) => {
        releases = (await server.api<{ items: ReleaseRef[] }>('GET', '/api/v1/releases?limit=50')).body.items;
        expect(releases.length).toBeGreaterThanOrEqual(3);
        // A change waiting in the CAB for the dashboard to show (raised and assessed by the admin).
        const desktop = (await server.api<{ items: { id: number }[] }>('GET', '/api/v1/cis?class=desktop&limit=1')).body
          .items[0];
        const start = new Date(Date.now() + 4 * 86_400_000);
        const change = await server.api<{ id: number }>('POST', '/api/v1/changes', {
          type: 'normal',
          title: 'Swap the desktop keyboard layout',
          ciIds: [desktop?.id],
          plannedStart: start.toISOString(),
          plannedEnd: new Date(start.getTime() + 3_600_000).toISOString(),
          backoutPlan: 'Swap it back',
        });
        changeId = change.body.id;
        for (const step of ['submit', 'assess']) {
          expect((await server.api('POST', `/api/v1/changes/${changeId}/${step}`, {})).status).toBe(200);
        }
      },
    });
    ({ server, page, consoleErrors } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it("shows a CAB member's work on the dashboard", async () => {
    await signIn(page, server.baseUrl, CAB, '/dashboard');
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    const approvals = page.getByTestId('work-approvals');
    await approvals.getByRole('link', { name: /Swap the desktop keyboard layout/ }).waitFor();
    const gates = page.getByTestId('work-gates');
    await gates.getByRole('link', { name: /Chrome/ }).waitFor();
    await gates
      .getByText(/blocked by \d+ unmet rule/)
      .first()
      .waitFor();
    await page.getByTestId('work-overdue').getByText('No post-implementation review is overdue.').waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'dashboard');
    await approvals.getByRole('link', { name: /Swap the desktop keyboard layout/ }).click();
    await page.waitForURL(`**/changes/${changeId}`);
  });

  it('refuses a release approval before every gate holds, naming the rules', async () => {
    const emergency = releases.find((release) => release.type === 'emergency' && release.state === 'in_test');
    if (!emergency) throw new Error('The demo has no emergency release in test');
    await page.goto(`${server.baseUrl}/releases/${emergency.id}`);
    const approvals = page.getByTestId('release-approvals');
    await approvals.getByText(/ECAB quorum/).waitFor();
    await approvals.getByLabel('Approval comment').fill('Looks right for an emergency fix');
    await approvals.getByRole('button', { name: 'Approve release' }).click();
    await approvals.getByRole('list', { name: 'Unmet rules' }).getByRole('listitem').first().waitFor();
    await signOut(page);
  });

  it('shows the release board by state', async () => {
    await signIn(page, server.baseUrl, RELEASE_MANAGER, '/dashboard');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('heading', { level: 1, name: 'Releases' }).waitFor();
    for (const release of releases) {
      const column = release.state === 'built' ? 'column-draft' : release.state === 'in_test' ? 'column-in_test' : null;
      if (!column) continue;
      await page
        .getByTestId(column)
        .getByRole('link', { name: `${release.unit.name} ${release.releaseVersion}` })
        .waitFor();
    }
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'releases-board');
  });

  it('records a test, edits the plan, lists unmet rules and downloads the evidence pack', async () => {
    const release = releases.find((candidate) => candidate.state === 'in_test' && candidate.type !== 'emergency');
    if (!release) throw new Error('The demo has no planned release in test');
    await page.getByRole('link', { name: `${release.unit.name} ${release.releaseVersion}` }).click();
    await page.waitForURL(`**/releases/${release.id}`);
    const readiness = page.getByTestId('readiness');
    await readiness.locator('[data-rule="tests.required"]').first().waitFor();
    const before = await readiness.locator('[data-rule="tests.required"]').count();

    // The first required cell of the matrix: record a pass there with the form.
    const matrix = page.getByTestId('test-matrix');
    const cell = matrix.locator('td', { has: page.locator('.outcome-required') }).first();
    const [environment, protocol] = ((await cell.getAttribute('data-cell')) ?? '').split('/');
    const record = page.getByRole('form', { name: 'Record a test result' });
    await record.getByLabel('Environment', { exact: true }).selectOption(environment as string);
    await record.getByLabel('Protocol').selectOption(protocol as string);
    await record.getByLabel('Outcome').selectOption('passed');
    await record.getByLabel('Summary').fill('All 214 cases green');
    await record.getByRole('button', { name: 'Record result' }).click();
    await matrix.locator(`td[data-cell="${environment}/${protocol}"] .outcome-passed`).waitFor();
    await expect.poll(() => readiness.locator('[data-rule="tests.required"]').count()).toBe(before - 1);

    const plan = page.getByTestId('plan');
    await plan.getByRole('button', { name: /^Edit Communication/ }).click();
    await page
      .getByRole('form', { name: /Edit Communication/ })
      .getByLabel('Owner')
      .fill('service-desk');
    await page
      .getByRole('form', { name: /Edit Communication/ })
      .getByLabel('Content')
      .fill('Mail all staff two days ahead.');
    await page.getByRole('button', { name: 'Save section' }).click();
    await plan.getByText('Mail all staff two days ahead.').waitFor();

    await page.locator('#notes pre').getByText(release.releaseVersion).first().waitFor();
    await page.getByTestId('coexistence').waitFor();
    await page.getByTestId('release-impact').waitFor();

    const accept = page.getByRole('button', { name: /^accept → accepted$/ });
    await accept.click();
    await page
      .locator('.release-actions')
      .getByRole('list', { name: 'Unmet rules' })
      .getByRole('listitem')
      .first()
      .waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'release');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download evidence pack' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.tar\.gz$/);
    expect(await download.failure()).toBeNull();
  });

  it('creates a release and adds an artifact and a target', async () => {
    await page.goto(`${server.baseUrl}/releases`);
    await page.getByRole('button', { name: 'New release' }).click();
    const form = page.getByRole('form', { name: 'New release' });
    await form.getByLabel('Type').selectOption('minor');
    await form.getByLabel('Release element').selectOption('desktop');
    await form.getByLabel('Release unit').fill('notepad-plus');
    await form.getByLabel('Version').fill('8.6.0');
    await form.getByLabel('Title').fill('Notepad++ 8.6 for the office desktops');
    await form.getByRole('button', { name: 'Create release' }).click();
    await page.getByRole('heading', { level: 1, name: /notepad-plus 8\.6\.0/ }).waitFor();
    await page.getByTestId('release-badges').getByText('draft').waitFor();

    const contents = page.getByTestId('contents');
    await page.getByLabel('Artifact name').fill('node');
    await page
      .getByRole('radio', { name: /^Node\.js/ })
      .first()
      .check();
    await page.getByRole('button', { name: 'Add artifact' }).click();
    await contents.getByRole('link', { name: /^Node\.js/ }).waitFor();

    const desktop = (await server.api<{ items: { name: string }[] }>('GET', '/api/v1/cis?class=desktop&limit=1')).body
      .items[0] as { name: string };
    await page.getByLabel('Target CI').fill(desktop.name);
    await page.getByRole('radio', { name: new RegExp(`^${desktop.name}`) }).check();
    await page.getByRole('button', { name: 'Add target' }).click();
    await contents
      .getByRole('list', { name: 'Targets by environment' })
      .getByText(/1 CI \(1 named/)
      .waitFor();
    // The plan is not written yet: the readiness checklist names the rule.
    await page.getByTestId('readiness').locator('[data-rule="plan.required_sections"]').first().waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
