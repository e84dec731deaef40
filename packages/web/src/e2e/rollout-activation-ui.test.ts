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
  username: 'rosa',
  password: 'Slipway-e2e-activation-rm-Pa55',
  displayName: 'Rosa Release',
  roles: ['release_manager'],
};
const CHANGE_MANAGER = {
  username: 'carlos',
  password: 'Slipway-e2e-activation-cm-Pa55',
  displayName: 'Carlos Change',
  roles: ['change_manager'],
};

/**
 * The activation of a dormant rollout in the browser, on the demo organisation's Kafka release
 * (installed dormant and activated by the demo, then switched off again here): the release
 * manager asks for the activation and sees no approve button; the change manager finds it among
 * the waiting activations, approves it, and the rollout activates.
 */
describe.runIf(browserTests.run)('dormant rollout activation in the web UI', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  let rolloutId = 0;

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [RELEASE_MANAGER, CHANGE_MANAGER],
      prepare: async (server) => {
        const dormant = await server.api<{ items: { id: number; strategy: string; state: string }[] }>(
          'GET',
          '/api/v1/rollouts?state=completed&limit=200',
        );
        const kafka = dormant.body.items.find((r) => r.strategy === 'dormant');
        if (!kafka) throw new Error('the demo has no activated dormant rollout');
        rolloutId = kafka.id;
        const off = await server.api('POST', `/api/v1/rollouts/${rolloutId}/deactivate`, {});
        expect(off.status).toBe(200);
        const deadline = Date.now() + 30_000;
        for (;;) {
          const now = await server.api<{ state: string }>('GET', `/api/v1/rollouts/${rolloutId}`);
          if (now.body.state === 'dormant') break;
          if (Date.now() > deadline) throw new Error(`rollout ${rolloutId} stayed ${now.body.state}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    });
    ({ server, page, consoleErrors } = suite);
  }, 240_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('shows how the demo activation was decided, and lets the release manager ask again', async () => {
    await signIn(page, server.baseUrl, RELEASE_MANAGER, '/dashboard');
    await page.goto(`${server.baseUrl}/rollouts/${rolloutId}`);
    const panel = page.getByRole('region', { name: 'Activation' });
    const facts = panel.getByTestId('activation-request');
    await facts.getByText('approved and activated').waitFor();
    await expect(facts.textContent()).resolves.toMatch(/demo-rm-sofia.*demo-cm-lars/s);
    const form = panel.getByRole('form', { name: 'Request the activation' });
    await form.getByLabel('Note for the approver').fill('Switch tiered storage back on');
    await form.getByRole('button', { name: 'Request activation' }).click();
    await facts.getByText('waiting for approval').waitFor();
    await expect(facts.textContent()).resolves.toContain('rosa');
    // A release manager cannot approve; they may withdraw their request.
    expect(await panel.getByRole('button', { name: 'Approve activation' }).count()).toBe(0);
    await panel.getByRole('button', { name: 'Withdraw the request' }).waitFor();
    await saveScreenshot(page, 'rollout-activation-requested');
    await signOut(page);
  });

  it('lets the change manager find it among the waiting activations and approve it', async () => {
    await signIn(page, server.baseUrl, CHANGE_MANAGER, '/dashboard');
    await page.goto(`${server.baseUrl}/rollouts`);
    const waiting = page.getByTestId('pending-activations');
    await waiting.getByText(/asked by rosa, waiting for your approval/).waitFor();
    await waiting.getByRole('link', { name: `Rollout #${rolloutId}` }).click();
    await page.waitForURL(`**/rollouts/${rolloutId}`);
    const panel = page.getByRole('region', { name: 'Activation' });
    expect(await panel.getByRole('form', { name: 'Request the activation' }).count()).toBe(0);
    const decide = panel.getByRole('form', { name: 'Decide the activation' });
    await decide.getByLabel('Approval note').fill('Consumers checked again');
    await decide.getByRole('button', { name: 'Approve activation' }).click();
    await page.getByTestId('rollout-state').getByText('completed').waitFor({ timeout: 60_000 });
    const facts = panel.getByTestId('activation-request');
    await facts.getByText('approved and activated').waitFor();
    await expect(facts.textContent()).resolves.toMatch(/rosa.*carlos.*Consumers checked again/s);
    // The event log has both approvals: the demo's (demo-cm-lars) and this one.
    const approvals = page.getByTestId('rollout-log').locator('[data-event="rollout.activation_approved"]');
    await approvals.filter({ hasText: 'by carlos' }).waitFor();
    await approvals.filter({ hasText: 'by demo-cm-lars' }).waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
