/// <reference lib="dom" />
import { createHash, randomBytes } from 'node:crypto';
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
const AUDITOR = {
  username: 'aldo',
  password: 'Slipway-e2e-auditor-Pa55',
  displayName: 'Aldo Audit',
  roles: ['auditor'],
};

const SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  components: [
    { type: 'library', name: 'left-pad', version: '1.3.0', licenses: [{ license: { id: 'MIT' } }] },
    {
      type: 'library',
      name: 'acme-widget',
      version: '2.0.0',
      licenses: [{ license: { name: 'Acme Custom Licence' } }],
    },
  ],
};

/**
 * The failures this suite provokes on purpose, which Chromium logs as console errors: approving
 * before the licence review (422), reserving more than is in stock (409), and pushing a bad
 * licence expression (400) and other content under a name and version already taken (409).
 */
function expectedError(text: string, url: string): boolean {
  return (
    (text.includes('status of 422') && /\/api\/v1\/artifacts\/\d+\/approve$/.test(url)) ||
    (text.includes('status of 409') && url.endsWith('/api/v1/hardware/reservations')) ||
    (/status of (400|409)/.test(text) && /\/api\/v1\/artifacts\?/.test(url))
  );
}

describe.runIf(browserTests.run)('library and hardware store in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let suite: BrowserSuite | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  let artifactId = 0;

  beforeAll(async () => {
    suite = await openDemoBrowser({
      users: [RELEASE_MANAGER, AUDITOR],
      expectedErrors: expectedError,
      prepare: async (server) => {
        // Pushed by the admin, so the release manager may approve it (never one's own upload).
        const pushed = await server.api<{ id: number }>('POST', '/api/v1/artifacts', {
          name: 'route-planner',
          artifactVersion: '4.2.0',
          license: 'MIT',
          element: 'desktop',
          supplier: 'Northwind IT',
          content: Buffer.from('route planner 4.2.0 build\n').toString('base64'),
        });
        expect(pushed.status).toBe(201);
        artifactId = pushed.body.id;
        expect((await server.api('POST', `/api/v1/artifacts/${artifactId}/sbom`, SBOM)).status).toBe(201);
        const site = await server.api<{ id: number }>('POST', '/api/v1/hardware/sites', {
          code: 'RTM',
          name: 'Rotterdam',
        });
        const model = await server.api<{ id: number }>('POST', '/api/v1/hardware/models', {
          name: 'Latitude 5440',
          ciClass: 'desktop',
          lowStockThreshold: 2,
        });
        expect([site.status, model.status]).toEqual([201, 201]);
        for (const serial of ['CN-001', 'CN-002', 'CN-003']) {
          const item = await server.api('POST', '/api/v1/hardware/items', {
            modelId: model.body.id,
            siteId: site.body.id,
            serial,
          });
          expect(item.status).toBe(201);
        }
      },
    });
    ({ server, page, consoleErrors } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('lists artifacts with their licence verdicts and signatures', async () => {
    await signIn(page, server.baseUrl, RELEASE_MANAGER, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Software library' }).waitFor();
    await page.locator('table.artifact-table tbody tr').nth(3).waitFor();
    await page.getByLabel('Name contains').fill('route');
    await page.getByLabel('Name contains').press('Enter');
    const row = page.locator('table.artifact-table tbody tr', { hasText: 'route-planner 4.2.0' });
    await row.getByText('quarantined').waitFor();
    await row.getByText('allowed').waitFor();
    await row.getByText('unsigned').waitFor();
    await page.getByLabel('Name contains').fill('');
    await page.getByLabel('Name contains').press('Enter');
    await page.locator('table.artifact-table tbody tr').nth(3).waitFor();
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'library');
  });

  it('refuses approval until the unknown SBOM licence is reviewed, then approves', async () => {
    await page.goto(`${server.baseUrl}/library/artifacts/${artifactId}`);
    const sbom = page.getByTestId('sbom');
    await sbom.getByText(/2 components: 1 allowed, 0 denied, 1 need review/).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('alert')
      .getByText(/acme-widget/i)
      .waitFor();
    await page.getByLabel('Verdict').selectOption('needs_review');
    await sbom.getByRole('button', { name: 'Mark acme-widget reviewed' }).click();
    await sbom.getByText(/reviewed by rita/).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('artifact-badges').getByText('approved').waitFor();
    await page
      .getByRole('status')
      .getByText(/Approved/)
      .waitFor();
    await page.getByRole('button', { name: 'Verify integrity' }).click();
    await page
      .getByRole('status')
      .getByText(/Integrity verified/)
      .waitFor();
    await saveScreenshot(page, 'library-artifact');
  });

  it('shows the compliance report with the demo findings', async () => {
    await page.getByRole('navigation', { name: 'Library and store' }).getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('list', { name: 'Findings by kind' }).waitFor();
    await page.getByLabel('Show').selectOption('unlicensed');
    const table = page.locator('table.compliance-table');
    await table.getByRole('link', { name: /gimp/i }).first().waitFor();
    await saveScreenshot(page, 'compliance');
  });

  it('shows stock by site and model and manages reservations', async () => {
    await page
      .getByRole('navigation', { name: 'Library and store' })
      .getByRole('link', { name: 'Hardware store' })
      .click();
    const byModel = page.getByRole('table', { name: 'Stock by model (all sites)' });
    await byModel.getByRole('row', { name: /Latitude 5440/ }).waitFor();
    await expect(
      byModel
        .getByRole('row', { name: /Latitude 5440/ })
        .getByRole('cell')
        .first()
        .textContent(),
    ).resolves.toBe('3');
    await page.getByLabel('Release id', { exact: true }).fill('7');
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'Latitude 5440' });
    await page.getByLabel('Site', { exact: true }).selectOption({ label: 'RTM — Rotterdam' });
    await page.getByLabel('Quantity', { exact: true }).fill('2');
    await page.getByLabel('Note', { exact: true }).fill('Technology refresh, wave 1');
    await page.getByRole('button', { name: 'Reserve' }).click();
    const reservations = page.locator('table.reservation-table');
    await reservations.getByText('Technology refresh, wave 1').waitFor();
    // One left in stock, below the threshold of two: flagged low.
    const bySite = page.getByRole('table', { name: 'Stock by site and model' });
    await bySite
      .getByRole('row', { name: /Latitude 5440/ })
      .getByText('(low)')
      .waitFor();
    await page.getByLabel('Quantity', { exact: true }).fill('5');
    await page.getByRole('button', { name: 'Reserve' }).click();
    await page
      .getByRole('alert')
      .getByText(/Not enough stock/)
      .waitFor();
    await saveScreenshot(page, 'hardware');
    await reservations.getByRole('button', { name: /^Release #/ }).click();
    await reservations.getByText('No reservation.').waitFor();
    await expect(
      byModel
        .getByRole('row', { name: /Latitude 5440/ })
        .getByRole('cell')
        .first()
        .textContent(),
    ).resolves.toBe('3');
  });

  it('uploads an artifact with its SBOM, with progress, and opens it', async () => {
    // Large enough that the browser hashes and sends it in many pieces.
    const content = randomBytes(6 * 1024 * 1024);
    const sha256 = createHash('sha256').update(content).digest('hex');
    await page.goto(`${server.baseUrl}/library`);
    await page.getByRole('link', { name: 'Upload an artifact' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upload an artifact' }).waitFor();
    await page.getByLabel('File', { exact: true }).setInputFiles({
      name: 'fleet-agent-1.4.2.tar.gz',
      mimeType: 'application/gzip',
      buffer: content,
    });
    // Name and version come from the file name.
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('fleet-agent');
    await expect(page.getByLabel('Version', { exact: true }).inputValue()).resolves.toBe('1.4.2');
    await page.getByLabel('Licence (SPDX expression)').fill('MIT OR Apache-2.0');
    await page.getByLabel('Type (release element)').selectOption('desktop');
    await page.getByLabel('Supplier (optional)').fill('Northwind IT');
    await page.getByLabel('Requires (optional, one a line)').fill('openssl >=3.0.0 <4\n');
    await page.getByLabel('SBOM (optional CycloneDX JSON)').setInputFiles({
      name: 'bom.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(SBOM)),
    });
    expect(await pageWidthOverflow(page)).toBe(0);
    await saveScreenshot(page, 'library-upload');
    const phases: string[] = [];
    await page.exposeFunction('recordUploadPhase', (text: string) => phases.push(text));
    await page.evaluate(() => {
      new MutationObserver(() => {
        const label = document.getElementById('upload-progress-label')?.textContent;
        if (label) (window as unknown as { recordUploadPhase(text: string): void }).recordUploadPhase(label);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForURL(/\/library\/artifacts\/\d+$/);
    const id = Number(page.url().split('/').pop());
    await page.getByRole('heading', { level: 1, name: 'fleet-agent 1.4.2' }).waitFor();
    await page
      .getByRole('status')
      .getByText(/Uploaded fleet-agent-1\.4\.2\.tar\.gz \(6\.0 MB\).*SBOM attached \(2 components\)/)
      .waitFor();
    await page.getByText(sha256).waitFor();
    await page
      .getByTestId('sbom')
      .getByText(/2 components/)
      .waitFor();
    // The progress said what it was doing: hashing, then sending.
    expect(phases.some((text) => text.startsWith('Hashing:'))).toBe(true);
    expect(phases.some((text) => /^Sending:|^Sent;/.test(text))).toBe(true);
    const stored = await server.api<{
      sha256: string;
      size: number;
      state: string;
      element: string;
      supplier: string;
      license: string;
      requires: { name: string; range: string }[];
      uploadedBy: { name: string };
    }>('GET', `/api/v1/artifacts/${id}`);
    expect(stored.body).toMatchObject({
      sha256,
      size: content.length,
      state: 'quarantined',
      element: 'desktop',
      supplier: 'Northwind IT',
      license: 'MIT OR Apache-2.0',
      requires: [{ name: 'openssl', range: '>=3.0.0 <4' }],
      uploadedBy: { name: 'rita' },
    });
    // Her own upload: someone else must approve it.
    await page.getByText('You uploaded this artifact, so someone else must approve it.').waitFor();
  });

  it("shows the server's refusals next to the upload form and stores nothing", async () => {
    await page.goto(`${server.baseUrl}/library/artifacts/new`);
    const file = { name: 'fleet-agent-1.4.2.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from('other bytes') };
    await page.getByLabel('File', { exact: true }).setInputFiles(file);
    await page.getByLabel('Licence (SPDX expression)').fill('MIT ORR Apache-2.0');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page
      .getByRole('alert')
      .getByText(/licen[cs]e/i)
      .waitFor();
    await page.getByRole('alert').getByText('(INVALID_INPUT)').waitFor();
    expect(page.url()).toMatch(/\/library\/artifacts\/new$/);
    // Same name and version as the upload above, other content: 409, nothing kept.
    await page.getByLabel('Licence (SPDX expression)').fill('MIT');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('alert').getByText('(CONFLICT)').waitFor();
    expect(page.url()).toMatch(/\/library\/artifacts\/new$/);
    const listed = await server.api<{ items: unknown[] }>('GET', '/api/v1/artifacts?name=fleet-agent');
    expect(listed.body.items).toHaveLength(1);
  });

  it('offers the upload only to those who may push artifacts', async () => {
    await signOut(page);
    await signIn(page, server.baseUrl, AUDITOR, '/');
    await page.goto(`${server.baseUrl}/library`);
    await page.locator('table.artifact-table tbody tr').first().waitFor();
    await expect(page.getByRole('link', { name: 'Upload an artifact' }).count()).resolves.toBe(0);
    await page.goto(`${server.baseUrl}/library/artifacts/new`);
    await page.getByRole('heading', { name: 'Not available to you' }).waitFor();
    await page.getByText('library.write').waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
