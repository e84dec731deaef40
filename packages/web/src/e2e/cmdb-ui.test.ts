/// <reference lib="dom" />
// The functions passed to page.evaluate run in the browser: they need the DOM types.
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

const ENGINEER = { username: 'erin', password: 'Slipway-e2e-engineer-Pa55' };
const AUDITOR = { username: 'aude', password: 'Slipway-e2e-auditor-Pa55' };

/**
 * Budgets for the 2,000-node graph on a loaded CI machine (the figures measured are printed):
 * laying out and drawing the whole graph once, one zoom frame, and a click until the selection
 * panel shows the node.
 */
const RENDER_BUDGET_MS = 1000;
const FRAME_BUDGET_MS = 100;
const CLICK_BUDGET_MS = 500;

interface CiRef {
  id: number;
  class: string;
  name: string;
}

/**
 * Chromium logs every 4xx answer as a console error. Expected here: the signed-out session probe,
 * and the one deliberately stale edit (412) that checks the reload prompt.
 */
function isExpectedConsoleError(message: ConsoleMessage): boolean {
  const url = message.location().url;
  const text = message.text();
  const status = (code: number) =>
    text.startsWith(`Failed to load resource: the server responded with a status of ${code}`);
  return (status(401) && url.endsWith('/api/v1/auth/session')) || (status(412) && /\/api\/v1\/cis\/\d+$/.test(url));
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

describe.runIf(browserTests.run)('CMDB pages in headless Chromium (demo organisation)', () => {
  let server: RunningSlipway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const figures: string[] = [];

  async function ciByName(ciClass: string, name: string): Promise<CiRef> {
    const found = await server.api<{ items: CiRef[] }>(
      'GET',
      `/api/v1/cis?class=${ciClass}&name=${encodeURIComponent(name)}`,
    );
    const ci = found.body.items[0];
    if (!ci) throw new Error(`The demo has no ${ciClass}/${name}`);
    return ci;
  }

  /** Opens `landing` signed out: the login page sends the user back there after signing in. */
  async function signIn(user: { username: string; password: string }, landing: string): Promise<void> {
    await page.goto(`${server.baseUrl}${landing}`);
    await page.waitForURL('**/login');
    await page.getByLabel('Username', { exact: true }).fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.waitForURL(`**${landing}`);
  }

  /** Waits until the graph has drawn the answer of its last request. */
  async function graphReady(): Promise<void> {
    await page.waitForFunction(() => {
      const figure = document.querySelector<HTMLElement>('[data-testid=graph-figure]');
      return figure?.dataset.state === 'ready' && figure.dataset.nodes !== undefined;
    });
  }

  async function graphNodes(): Promise<number> {
    return Number(await page.getByTestId('graph-figure').getAttribute('data-nodes'));
  }

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startSlipway({ demo: true });
    for (const [user, roles] of [
      [ENGINEER, ['engineer']],
      [AUDITOR, ['auditor']],
    ] as const) {
      const created = await server.api('POST', '/api/v1/users', {
        username: user.username,
        displayName: user.username === ENGINEER.username ? 'Erin Engineer' : 'Aude Auditor',
        roles,
        password: user.password,
      });
      expect(created.status).toBe(201);
    }
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error' && !isExpectedConsoleError(message)) {
        consoleErrors.push(`${message.text()} (${message.location().url})`);
      }
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  });

  afterAll(async () => {
    if (figures.length > 0)
      process.stdout.write(`\nCMDB graph performance (2,000+ nodes):\n  ${figures.join('\n  ')}\n\n`);
    await browser?.close();
    await server?.close();
  });

  it('searches the demo CMDB with the keyboard', async () => {
    await signIn(ENGINEER, '/cmdb');
    const nav = page.getByRole('navigation', { name: 'CMDB' });
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual(['Configuration items', 'Baselines', 'Data quality', 'Import']);
    await page.getByRole('table').getByRole('row').nth(1).waitFor();

    await page.getByLabel('Name contains').fill('openssl');
    await page.getByLabel('Class', { exact: true }).selectOption('software');
    await page.getByLabel('Name contains').press('Enter');
    await page.waitForURL(/\/cmdb\?q=openssl&class=software$/);
    const names = page.locator('table.ci-table tbody th');
    await expect
      .poll(() => names.allTextContents())
      .toEqual(['openssl 3.0.13', 'openssl 3.0.7', 'openssl 1.1.1k', 'openssl 1.0.2k']);
    await saveScreenshot(page, 'cmdb-search');

    // Status filter: the planned ESX hosts of the demo.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(/\/cmdb$/);
    await page.getByLabel('Status').selectOption('planned');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => names.allTextContents()).toEqual(['ams-esx13', 'ams-esx14']);
  });

  it('opens a CI: header, typed attributes, relationships both ways with inverse names, impact summary, history', async () => {
    await page.goto(`${server.baseUrl}/cmdb?q=openssl&class=software`);
    await page.getByRole('link', { name: 'openssl 1.0.2k' }).click();
    await page.getByRole('heading', { level: 1, name: 'openssl 1.0.2k' }).waitFor();
    const attributes = page.getByTestId('ci-attributes');
    await expect(attributes.textContent()).resolves.toMatch(/version\s*version\s*1\.0\.2k/);
    await expect(attributes.textContent()).resolves.toContain('OpenSSL Project');

    const relationships = page.locator('table.relationship-table');
    await relationships.getByRole('row', { name: /installed_on ams-edigw01/ }).waitFor();
    const impact = page.getByTestId('impact-summary');
    await expect.poll(() => impact.textContent()).toMatch(/21 CIs.*3 services.*10 virtual machines/);
    await expect(page.locator('.summary-list li').first().textContent()).resolves.toBe('3 services');
    const history = page.locator('table.history-table');
    await expect.poll(() => history.locator('tbody tr').first().textContent()).toMatch(/demo.*import:demo.*create/);
    await saveScreenshot(page, 'cmdb-ci');

    // From the host's side the same relationship reads by its inverse name.
    await relationships.getByRole('link', { name: 'ams-edigw01' }).click();
    await page.getByRole('heading', { level: 1, name: 'ams-edigw01' }).waitFor();
    const hostRelationships = page.locator('table.relationship-table');
    await hostRelationships.getByRole('row', { name: /has_installed openssl 1\.0\.2k/ }).waitFor();
    await hostRelationships.getByRole('row', { name: /hosts edi-gateway/ }).waitFor();
  });

  it('opens the impact graph of openssl 1.0.2k, reaches the services, highlights an explain path and expands a node', async () => {
    const openssl = await ciByName('software', 'openssl 1.0.2k');
    const chunkRequests: string[] = [];
    page.on('request', (request) => {
      if (/dependency-graph-[\w-]+\.js$/.test(request.url())) chunkRequests.push(request.url());
    });
    // The graph code is its own chunk, fetched with the first CI page that shows a graph.
    await page.goto(`${server.baseUrl}/cmdb/cis/${openssl.id}`);
    await graphReady();
    expect(chunkRequests.length).toBe(1);
    expect(await graphNodes()).toBe(18);
    await page.getByText('4 more CIs lie beyond depth 2, 3 of them services.').waitFor();
    await page.getByRole('button', { name: 'Show all levels' }).click();
    await expect.poll(graphNodes).toBe(22);
    await graphReady();
    await expect(page.locator('.graph-status').textContent()).resolves.toContain('21 CIs reached, 3 services');

    await page.getByText(/^Nodes as a list/).click();
    const list = page.locator('.graph-node-list');
    for (const service of ['Partner EDI Gateway', 'Customs Clearance', 'Email and Collaboration']) {
      await list.getByRole('button', { name: service }).waitFor();
    }

    // Selecting a service reached three hops away explains why, hop by hop.
    await list.getByRole('button', { name: 'Partner EDI Gateway' }).click();
    const path = page.getByTestId('explain-path');
    await path.waitFor();
    const steps = await path.locator('li:not(.explain-via)').allTextContents();
    expect(steps[0]).toContain('openssl 1.0.2k');
    expect(steps.at(-1)).toContain('Partner EDI Gateway');
    expect(steps).toHaveLength(4);
    await expect(path.locator('.explain-via code').allTextContents()).resolves.toEqual([
      'installed_on',
      'runs_on',
      'depends_on',
    ]);
    await expect.poll(() => page.getByTestId('graph-figure').getAttribute('data-path')).toBe('4');
    await saveScreenshot(page, 'cmdb-graph-explain');

    // Expand a host: select it in the list, then ask for its neighbours from the panel.
    await list.getByRole('button', { name: 'ams-edigw01' }).click();
    const panel = page.getByTestId('graph-selection');
    await panel.getByRole('heading', { name: 'ams-edigw01' }).waitFor();
    await expect.poll(() => path.locator('li:not(.explain-via)').allTextContents()).toHaveLength(2);
    const before = await graphNodes();
    await panel.getByRole('button', { name: 'Expand neighbours' }).click();
    await expect.poll(graphNodes).toBeGreaterThan(before);
    await panel.getByRole('button', { name: 'Expanded' }).waitFor();
    await expect(page.locator('.graph-status').textContent()).resolves.toMatch(/neighbours of ams-edigw01 added/);

    // Keyboard: the graph takes focus; arrows move the selection, Escape clears it.
    await page.getByRole('application').focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('graph-selection').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('graph-selection').count()).toBe(0);
  });

  it('renders a 2,000-node graph within budget and stays responsive', async () => {
    const teams = await ciByName('software', 'Microsoft Teams 24033.811.2738');
    await page.goto(`${server.baseUrl}/cmdb/cis/${teams.id}/graph?depth=1`);
    await graphReady();
    // Grouped: the 2,046 desktops are one node, which the keyboard can reach.
    expect(await graphNodes()).toBe(2);
    await page.getByRole('group', { name: 'Classes' }).getByText('desktop').waitFor();
    await page.getByRole('application').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.getByTestId('graph-selection').getByRole('button', { name: 'Show all 2046' }).waitFor();
    await page.keyboard.press('Escape');

    // Measured in the page: from the click on the checkbox to the frame that shows 2,000 nodes.
    const toggleMs = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const figure = document.querySelector<HTMLElement>('[data-testid=graph-figure]');
          const checkbox = Array.from(document.querySelectorAll<HTMLInputElement>('input[type=checkbox]')).find(
            (input) => input.parentElement?.textContent?.startsWith('Group more than'),
          );
          if (!figure || !checkbox) throw new Error('no graph or grouping checkbox');
          const started = performance.now();
          const observer = new MutationObserver(() => {
            if (Number(figure.dataset.nodes) >= 2000) {
              observer.disconnect();
              requestAnimationFrame(() => resolve(performance.now() - started));
            }
          });
          observer.observe(figure, { attributes: true, attributeFilter: ['data-nodes'] });
          checkbox.click();
        }),
    );
    await expect.poll(graphNodes).toBeGreaterThanOrEqual(2000);
    const figure = page.getByTestId('graph-figure');
    const nodes = await graphNodes();
    const edges = Number(await figure.getAttribute('data-edges'));
    const layoutMs = Number(await figure.getAttribute('data-layout-ms'));
    const renderMs = Number(await figure.getAttribute('data-render-ms'));
    figures.push(
      `${nodes} nodes, ${edges} lines: layout ${layoutMs.toFixed(1)} ms, layout + first frame ${renderMs.toFixed(1)} ms ` +
        `(budget ${RENDER_BUDGET_MS} ms); click on "group" off to the frame showing them: ${toggleMs.toFixed(1)} ms`,
    );
    expect(renderMs).toBeLessThan(RENDER_BUDGET_MS);

    // What one animation frame costs in this browser with nothing to do, to read the figures below against.
    const idleFrames = await page.evaluate(async () => {
      const frames: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        frames.push(performance.now() - started);
      }
      return frames;
    });
    figures.push(`idle animation frame in this browser: p50 ${percentile(idleFrames, 0.5).toFixed(1)} ms`);

    // Zoom frames, measured in the page: wheel event to the frame that shows it.
    const zoom = await page.evaluate(async () => {
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.graph-canvas');
      if (!canvas) throw new Error('no canvas');
      const rect = canvas.getBoundingClientRect();
      const frames: number[] = [];
      const draws: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        canvas.dispatchEvent(
          new WheelEvent('wheel', {
            deltaY: i < 10 ? -120 : 120,
            clientX: rect.left + rect.width * 0.3,
            clientY: rect.top + rect.height / 2,
            bubbles: true,
            cancelable: true,
          }),
        );
        // The graph draws in the animation frame its wheel handler requested, before this one runs.
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        frames.push(performance.now() - started);
        draws.push(Number(canvas.dataset.drawMs));
      }
      return { frames, draws };
    });
    const frameP50 = percentile(zoom.frames, 0.5);
    const frameP95 = percentile(zoom.frames, 0.95);
    const drawMax = Math.max(...zoom.draws);
    figures.push(
      `zoom (20 wheel steps): event to frame p50 ${frameP50.toFixed(1)} ms, p95 ${frameP95.toFixed(1)} ms; ` +
        `draw p50 ${percentile(zoom.draws, 0.5).toFixed(1)} ms, max ${drawMax.toFixed(1)} ms (budget ${FRAME_BUDGET_MS} ms for the median frame and every draw)`,
    );
    // The median frame, not the slowest: on a shared CI machine one frame can wait on another process.
    expect(frameP50).toBeLessThan(FRAME_BUDGET_MS);
    expect(drawMax).toBeLessThan(FRAME_BUDGET_MS);

    // Pan by dragging: every frame drawn during the drag.
    const box = await page.locator('canvas.graph-canvas').boundingBox();
    if (!box) throw new Error('the graph canvas is not on screen');
    const framesBefore = Number(await page.locator('canvas.graph-canvas').getAttribute('data-frames'));
    const panDraws: number[] = [];
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let step = 1; step <= 15; step++) {
      await page.mouse.move(box.x + box.width / 2 - step * 12, box.y + box.height / 2 + step * 4);
      panDraws.push(Number(await page.locator('canvas.graph-canvas').getAttribute('data-draw-ms')));
    }
    await page.mouse.up();
    const panFrames = Number(await page.locator('canvas.graph-canvas').getAttribute('data-frames')) - framesBefore;
    figures.push(
      `pan: ${panFrames} frames for 15 pointer moves, draw max ${Math.max(...panDraws).toFixed(1)} ms (budget ${FRAME_BUDGET_MS} ms)`,
    );
    expect(Math.max(...panDraws)).toBeLessThan(FRAME_BUDGET_MS);

    // Click to selection: the first arrow key selects the root and centres it; Escape clears the
    // selection but leaves the root in the middle, where the click lands.
    await page.getByRole('application').focus();
    await page.keyboard.press('ArrowRight');
    const selection = page.getByTestId('graph-selection');
    await selection.waitFor();
    await page.keyboard.press('Escape');
    await selection.waitFor({ state: 'detached' });
    const clickStarted = Date.now();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await selection.getByRole('heading', { name: teams.name }).waitFor();
    const clickMs = Date.now() - clickStarted;
    figures.push(`click to selection panel: ${clickMs} ms, seen from the test (budget ${CLICK_BUDGET_MS} ms)`);
    expect(clickMs).toBeLessThan(CLICK_BUDGET_MS);
    // A double-click on the canvas expands the node under the pointer (its neighbours are all shown already).
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await selection.getByRole('button', { name: 'Expanded' }).waitFor();
    await page.getByRole('button', { name: 'Fit' }).click();
    await page.mouse.move(box.x + box.width - 5, box.y + 5);
    await saveScreenshot(page, 'cmdb-graph-2000');
  });

  it('imports a CSV with one bad line and names that line', async () => {
    await page.goto(`${server.baseUrl}/cmdb/import`);
    const csv = [
      'class,name,status,environment,owner,criticality,hostname,ip,cpu_cores',
      'virtual_machine,e2e-web01,active,production,team-web,high,e2e-web01.example.org,10.99.0.1,4',
      'virtual_machine,e2e-web02,active,production,team-web,,e2e-web02.example.org,not-an-ip,2',
      'virtual_machine,e2e-web03,planned,test,team-web,low,,10.99.0.3,',
    ].join('\n');
    await page.getByLabel('CSV or NDJSON file').setInputFiles({
      name: 'e2e-vms.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${csv}\n`),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    const outcome = page.getByTestId('import-outcome');
    await outcome.waitFor();
    await expect(outcome.getByTestId('cis-created').textContent()).resolves.toBe('2');
    await expect(outcome.getByRole('heading', { level: 3 }).textContent()).resolves.toBe(
      '1 bad line (the good lines were imported)',
    );
    const errorRow = outcome.locator('table.import-errors tbody tr');
    await expect(errorRow.count()).resolves.toBe(1);
    // Line 3 of the CSV file (the header is line 1), not line 2 of the NDJSON sent.
    await expect(errorRow.locator('td').first().textContent()).resolves.toBe('3');
    await expect(errorRow.textContent()).resolves.toMatch(/ip/);
    await saveScreenshot(page, 'cmdb-import');

    // The same file again changes nothing.
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => outcome.getByTestId('cis-created').textContent()).toBe('0');
    await expect(outcome.getByTestId('cis-updated').textContent()).resolves.toBe('0');

    // A header no row could survive stops the import before anything is sent.
    await page.getByLabel('CSV or NDJSON file').setInputFiles({
      name: 'typo.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('class,name,hostnme\nvirtual_machine,e2e-web09,x\n'),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await outcome.getByRole('heading', { name: 'typo.csv was not imported' }).waitFor();
    await expect(outcome.locator('table.import-errors tbody tr').textContent()).resolves.toMatch(
      /^1INVALID_HEADER.*"hostnme" is not an attribute of any CI class/,
    );
  });

  it('takes a baseline, changes a CI (through a stale edit), and sees the change in the diff against live', async () => {
    await page.goto(`${server.baseUrl}/cmdb/baselines`);
    await page.getByRole('button', { name: 'Take a baseline' }).click();
    await page.getByLabel('Name', { exact: true }).fill('e2e-before-change');
    await page.getByLabel('Description').fill('Taken by the end-to-end test');
    await page.getByRole('button', { name: 'Take baseline' }).click();
    await page.getByText(/Baseline “e2e-before-change” taken: \d+ CIs/).waitFor();

    const web = await ciByName('virtual_machine', 'e2e-web01');
    await page.goto(`${server.baseUrl}/cmdb/cis/${web.id}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Owner').fill('team-platform');
    await page.getByLabel(/^cpu cores/).fill('8');
    // Someone else changes the CI meanwhile: the save must not overwrite it.
    const meanwhile = await server.api('PATCH', `/api/v1/cis/${web.id}`, { criticality: 'critical' });
    expect(meanwhile.status).toBe(200);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('stale-notice').waitFor();
    await page.getByRole('button', { name: 'Reload the current version' }).click();
    await expect.poll(() => page.getByTestId('ci-version').textContent()).toBe('2');

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Owner').fill('team-platform');
    await page.getByLabel(/^cpu cores/).fill('8');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved: e2e-web01 is now at version 3.').waitFor();
    const history = page.locator('table.history-table');
    await expect
      .poll(() => history.locator('tbody tr').first().textContent())
      .toMatch(/erin.*update.*cpu cores\s*4\s*→\s*8/i);

    await page.getByRole('navigation', { name: 'CMDB' }).getByRole('link', { name: 'Baselines' }).click();
    await page.getByRole('link', { name: 'Compare e2e-before-change with the live CMDB' }).click();
    const changed = page.getByTestId('cis-changed');
    await changed.waitFor();
    await expect(page.getByTestId('count-cis-changed').textContent()).resolves.toBe('1');
    const row = changed.getByRole('row', { name: /e2e-web01/ });
    await expect(row.textContent()).resolves.toMatch(/1 → 3/);
    await expect(row.textContent()).resolves.toMatch(/owner\s*team-web\s*→\s*team-platform/);
    await expect(row.textContent()).resolves.toMatch(/criticality\s*high\s*→\s*critical/);
    await expect(page.getByTestId('count-cis-added').textContent()).resolves.toBe('0');
    await saveScreenshot(page, 'cmdb-baseline-diff');
  });

  it('relates two CIs by search, removes the relationship again, and retires a CI', async () => {
    const web = await ciByName('virtual_machine', 'e2e-web03');
    await page.goto(`${server.baseUrl}/cmdb/cis/${web.id}`);
    await page.getByRole('heading', { level: 1, name: 'e2e-web03' }).waitFor();
    await page.getByRole('button', { name: 'Add relationship' }).click();
    const form = page.getByRole('form', { name: 'Add a relationship' });
    await form.getByLabel('e2e-web03').selectOption('runs_on:forward');
    await form.getByLabel('…the other CI').fill('ams-esx01');
    await form.getByRole('radio', { name: /^ams-esx01 server$/ }).check();
    await form.getByRole('button', { name: 'Add relationship' }).click();
    const relationships = page.locator('table.relationship-table');
    await relationships.getByRole('row', { name: /runs_on ams-esx01/ }).waitFor();
    await expect.poll(() => page.getByTestId('dependencies-summary').textContent()).toMatch(/server/);

    await page.getByRole('button', { name: 'Remove runs_on ams-esx01' }).click();
    await page.getByRole('button', { name: 'Confirm removing runs_on ams-esx01' }).click();
    await page.getByText('Removed: e2e-web03 runs_on ams-esx01.').waitFor();
    await relationships.getByRole('row', { name: /runs_on ams-esx01/ }).waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Retire', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm retire' }).click();
    await page.getByText('e2e-web03 is retired.', { exact: false }).waitFor();
    await expect(page.locator('.ci-facts .ci-status-retired').textContent()).resolves.toBe('retired');
    await expect
      .poll(() => page.locator('table.history-table tbody tr').first().textContent())
      .toMatch(/retire.*status\s*planned\s*→\s*retired/);
  });

  it('shows the planted data-quality findings with links to the CIs', async () => {
    await page.getByRole('navigation', { name: 'CMDB' }).getByRole('link', { name: 'Data quality' }).click();
    const withoutOwner = page.getByTestId('quality-without-owner');
    await withoutOwner.getByRole('link', { name: 'ams-tmp01' }).waitFor();
    await page.getByTestId('quality-duplicates').getByRole('link', { name: 'WEB-01' }).waitFor();
    await page.getByTestId('quality-retired-relationships').getByRole('link', { name: 'tracking-v1-soap' }).waitFor();
    await saveScreenshot(page, 'cmdb-quality');
    await withoutOwner.getByRole('link', { name: 'ams-tmp01' }).click();
    await page.getByRole('heading', { level: 1, name: 'ams-tmp01' }).waitFor();
  });

  it('shows a read-only auditor no write actions', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await signIn(AUDITOR, '/cmdb');
    const nav = page.getByRole('navigation', { name: 'CMDB' });
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual(['Configuration items', 'Baselines', 'Data quality']);
    const openssl = await ciByName('software', 'openssl 1.0.2k');
    await page.goto(`${server.baseUrl}/cmdb/cis/${openssl.id}`);
    await page.getByRole('heading', { level: 1, name: 'openssl 1.0.2k' }).waitFor();
    await page.locator('table.relationship-table tbody tr').first().waitFor();
    for (const name of ['Edit', 'Retire', 'Add relationship']) {
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    }
    await page.goto(`${server.baseUrl}/cmdb/import`);
    await page.getByRole('heading', { name: 'Not available to you' }).waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
