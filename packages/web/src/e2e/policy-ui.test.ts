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
const ADMIN = { username: 'alice', password: 'Slipway-e2e-admin-Pa55', displayName: 'Alice Admin', roles: ['admin'] };
const ENGINEER = {
  username: 'erin',
  password: 'Slipway-e2e-engineer-Pa55',
  displayName: 'Erin Engineer',
  roles: ['engineer'],
};

describe.runIf(browserTests.run)('the release policy editor in headless Chromium', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    suite = await openDemoBrowser({
      demo: false,
      users: [ADMIN, ENGINEER],
    });
    ({ server, page, consoleErrors } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('marks the line of a typo with the server message, then applies the fixed policy', async () => {
    await signIn(page, server.baseUrl, ADMIN, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policy' }).click();
    const editor = page.getByLabel('Policy YAML');
    await editor.waitFor();
    const original = await editor.inputValue();
    const lines = original.split('\n');
    const target = lines.findIndex((line) => /^\s+minNoticeDays:/.test(line));
    expect(target).toBeGreaterThan(0);
    const broken = [...lines];
    broken[target] = (broken[target] as string).replace('minNoticeDays', 'minNoticeDay');
    await editor.fill(broken.join('\n'));
    const status = page.getByTestId('policy-check-status');
    await status.getByText(/problem/).waitFor();
    const problems = page.getByTestId('policy-problems');
    const problem = problems.getByRole('button', { name: new RegExp(`^Line ${target + 1}\\b`) });
    await problem.waitFor();
    await expect(problems.textContent()).resolves.toMatch(/minNoticeDay/);
    await expect(page.locator(`.yaml-gutter [data-line="${target + 1}"]`).getAttribute('class')).resolves.toBe(
      'yaml-line-bad',
    );
    await expect(page.getByRole('button', { name: 'Apply as a new version' }).isDisabled()).resolves.toBe(true);
    await expect(page.locator('.yaml-annotation').textContent()).resolves.toMatch(/not a known setting/);
    // The problem's button puts the caret on its line.
    await problem.click();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'policy');
    const caretLine = await editor.evaluate(
      (area: HTMLTextAreaElement) => area.value.slice(0, area.selectionStart).split('\n').length,
    );
    expect(caretLine).toBe(target + 1);

    const fixed = [...lines];
    fixed[target] = (fixed[target] as string).replace(/\d+/, '7');
    await editor.fill(fixed.join('\n'));
    await status.getByText(/Valid/).waitFor();
    await page.getByLabel('Why this version').fill('Shorter notice for major releases');
    await page.getByRole('button', { name: 'Apply as a new version' }).click();
    await page.getByRole('status').getByText('Version 2 applied.').waitFor();
    await page.getByRole('list', { name: 'Policy versions' }).getByText('Shorter notice for major releases').waitFor();
    const applied = await server.api<{ version: number; yaml: string }>('GET', '/api/v1/policy');
    expect(applied.body.version).toBe(2);
    expect(applied.body.yaml).toBe(fixed.join('\n'));
    await signOut(page);
  });

  it('lets an engineer check a policy but not apply it', async () => {
    await signIn(page, server.baseUrl, ENGINEER, '/');
    await page.goto(`${server.baseUrl}/policy`);
    await page.getByLabel('Policy YAML').waitFor();
    await expect(page.getByRole('button', { name: 'Apply as a new version' }).count()).resolves.toBe(0);
    await page.getByLabel('Policy YAML').fill('versioning: roman\n');
    await page.getByTestId('policy-problems').getByRole('button').first().waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
