/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, resolveConfig, type SlipwayApp } from '@slipway/server';
import { type Browser, chromium, type Page } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = path.resolve(here, '../..');
export const REPO_ROOT = path.resolve(WEB_ROOT, '../..');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs/screenshots');

/** Debian's chromium package; playwright never downloads a browser of its own here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef0123';

/** Whether the browser tests run, and a reason when they do not. */
export function browserAvailability(): { run: boolean; required: boolean } {
  const present = fs.existsSync(CHROMIUM_PATH);
  const required = process.env.SLIPWAY_REQUIRE_BROWSER === '1';
  if (!present && !required) {
    process.stderr.write(
      `\n*** WARNING: ${CHROMIUM_PATH} is missing: the web UI end-to-end tests are SKIPPED.\n` +
        '*** Install it with: apt-get update && apt-get install -y chromium   (CI sets SLIPWAY_REQUIRE_BROWSER=1)\n\n',
    );
  }
  return { run: present || required, required };
}

function newestMtime(target: string, skip: (file: string) => boolean = () => false): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return skip(target) ? 0 : stat.mtimeMs;
  let latest = 0;
  for (const entry of fs.readdirSync(target)) latest = Math.max(latest, newestMtime(path.join(target, entry), skip));
  return latest;
}

/** Tests and the e2e folder are not part of the bundle: editing them needs no rebuild. */
function isNotBundled(file: string): boolean {
  return file.includes(`${path.sep}e2e${path.sep}`) || file.endsWith('.test.ts');
}

function webBuildIsFresh(): boolean {
  const index = path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(index)) return false;
  const built = fs.statSync(index).mtimeMs;
  const inputs = [
    path.join(WEB_ROOT, 'src'),
    path.join(WEB_ROOT, 'public'),
    path.join(WEB_ROOT, 'index.html'),
    path.join(WEB_ROOT, 'vite.config.ts'),
    path.join(REPO_ROOT, 'packages/model/src'),
    path.join(REPO_ROOT, 'packages/client/src'),
  ];
  return inputs.every((input) => newestMtime(input, isNotBundled) <= built);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Makes sure packages/web/dist is a build of the current sources, running `vite build` when it
 * is missing or older. Test files run in parallel processes, so a lock directory (mkdir is
 * atomic) lets exactly one of them build while the others wait.
 */
export async function ensureWebBuild(): Promise<void> {
  if (webBuildIsFresh()) return;
  const lock = path.join(WEB_ROOT, '.e2e-build-lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a run that died.
      if (fs.existsSync(lock) && Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { recursive: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lock}; remove it if no build is running`);
      await sleep(200);
    }
  }
  try {
    if (webBuildIsFresh()) return;
    const vite = path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js');
    const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: WEB_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) {
      throw new Error(
        `The web UI build failed, so the end-to-end tests cannot run. Run "npm run build -w @slipway/web" to see why.\n` +
          `${result.stdout ?? ''}${result.stderr ?? ''}`,
      );
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface RunningSlipway {
  baseUrl: string;
  slipway: SlipwayApp;
  /** A JSON request to the API as the bootstrap admin, with another bearer token, or with none (''). */
  api<T>(method: string, apiPath: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Load the Northwind Logistics demo organisation (packages/server/src/cmdb/demo/README.md);
   * resolves once its rollouts (packages/server/src/rollouts/rollout-demo.ts) have finished.
   */
  demo?: boolean;
}

/**
 * A real Slipway on loopback: temporary SQLite database and data directory, every route, the
 * web UI from packages/web/dist, and the `SLIPWAY_ADMIN_TOKEN` bootstrap admin for setup calls.
 */
export async function startSlipway(options: StartOptions = {}): Promise<RunningSlipway> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-e2e-'));
  const config = resolveConfig(
    {
      db: `sqlite:${path.join(dataDir, 'slipway.db')}`,
      dataDir,
      port: 0,
      host: '127.0.0.1',
      demo: options.demo ?? false,
    },
    { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  // Only errors: a fault in the server during a browser test should be visible in the output.
  const slipway = await buildApp(config, { logger: { level: 'error' } });
  await slipway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = slipway.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const running: RunningSlipway = {
    baseUrl,
    slipway,
    async api<T>(method: string, apiPath: string, body?: unknown, token = ADMIN_TOKEN) {
      const response = await fetch(`${baseUrl}${apiPath}`, {
        method,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      await slipway.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // The demo's rollouts run in the background after the start: every suite sees them finished.
  if (options.demo) await waitForDemoRollouts(running);
  return running;
}

/**
 * Waits until the demo's three rollouts (packages/server/src/rollouts/rollout-demo.ts, run in the
 * background after the first start) have finished, so a suite that starts its own rollouts or
 * counts running ones sees a quiet organisation.
 */
export async function waitForDemoRollouts(server: RunningSlipway, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const finished = ['completed', 'backed_out', 'failed', 'paused', 'aborted'];
  for (;;) {
    const rows = await server.slipway.ctx.database.db
      .selectFrom('rollouts')
      .innerJoin('releases', 'releases.id', 'rollouts.release_id')
      .select(['rollouts.state'])
      .where('releases.unit_name', 'in', ['desktop-agent-windows_exporter', 'redis-cache', 'kafka-events'])
      .execute();
    if (rows.length === 3 && rows.every((r) => finished.includes(r.state))) return;
    if (Date.now() > deadline) throw new Error(`the demo rollouts did not finish: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Whether this run refreshes the committed screenshots in docs/screenshots/ (SLIPWAY_SCREENSHOTS=1). */
export const SAVE_SCREENSHOTS = process.env.SLIPWAY_SCREENSHOTS === '1';

/**
 * Saves a full-page screenshot to docs/screenshots/<name>.png, only when SLIPWAY_SCREENSHOTS=1:
 * the PNGs are committed and shown in the README, so an ordinary test run must not rewrite them
 * (every run differs by a pixel of timestamps and leaves the working tree dirty).
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (!SAVE_SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `SLIPWAY_REQUIRE_BROWSER=1 but ${CHROMIUM_PATH} is missing: apt-get update && apt-get install -y chromium`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface E2eUser {
  username: string;
  password: string;
  displayName: string;
  roles: string[];
}

/** Creates users through the API as the bootstrap admin; fails loudly if one cannot be made. */
export async function createUsers(server: RunningSlipway, users: readonly E2eUser[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const user of users) {
    const created = await server.api<{ id: number }>('POST', '/api/v1/users', user);
    if (created.status !== 201) throw new Error(`Could not create ${user.username}: ${JSON.stringify(created.body)}`);
    ids.set(user.username, created.body.id);
  }
  return ids;
}

/**
 * Collects console errors and uncaught page errors; `expected` lets a test name the few it
 * provokes on purpose (Chromium logs every 4xx answer as a console error). A suite ends with
 * `expect(errors).toEqual([])`, so any other error fails it.
 */
export function trackConsoleErrors(
  page: Page,
  expected: (text: string, url: string) => boolean = () => false,
): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (!expected(message.text(), url)) errors.push(`${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** Signs in through the login form and waits for the landing page (any page with the main navigation for '/'). */
export async function signIn(
  page: Page,
  baseUrl: string,
  user: { username: string; password: string },
  landing: string,
) {
  await page.goto(`${baseUrl}/`);
  await page.waitForURL('**/login');
  await page.getByLabel('Username', { exact: true }).fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  if (landing === '/') await page.getByRole('navigation', { name: 'Main' }).waitFor();
  else await page.waitForURL(`**${landing}`);
}

/** Signs out with the header button and waits for the login page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/login');
}

/** A browser page at 1280 × 900 in en-GB, the size the screenshots and readability checks use. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

export interface BrowserSuite {
  server: RunningSlipway;
  browser: Browser;
  page: Page;
  /** The console errors of `page` (trackConsoleErrors): a suite ends with `expect(consoleErrors).toEqual([])`. */
  consoleErrors: string[];
  /** Closes the browser, then Slipway. */
  close(): Promise<void>;
}

export interface BrowserSuiteOptions {
  /** With the demo organisation (the default) or an empty Slipway (`false`). */
  demo?: boolean;
  /** Created through the API before anything else. */
  users: readonly E2eUser[];
  /** Setup through the API once the users exist and before the browser starts; gets their ids by username. */
  prepare?: (server: RunningSlipway, userIds: Map<string, number>) => Promise<void>;
  /** The console errors the suite provokes on purpose (see trackConsoleErrors). */
  expectedErrors?: (text: string, url: string) => boolean;
}

/**
 * The start of a browser suite: a current web build, Slipway on loopback with its users, the
 * suite's own setup (`prepare`), then Chromium with a 1280 × 900 page whose console errors are
 * collected. When a step fails, what was started is closed again before the error is thrown.
 */
export async function openDemoBrowser(options: BrowserSuiteOptions): Promise<BrowserSuite> {
  await ensureWebBuild();
  const server = await startSlipway({ demo: options.demo ?? true });
  let browser: Browser | undefined;
  try {
    const userIds = await createUsers(server, options.users);
    await options.prepare?.(server, userIds);
    const started = await launchChromium();
    browser = started;
    const page = await newPage(started);
    const consoleErrors = trackConsoleErrors(page, options.expectedErrors);
    return {
      server,
      browser: started,
      page,
      consoleErrors,
      async close() {
        await started.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}

/** The page fits the viewport's width (readable at 1280 px without scrolling sideways). */
export async function pageWidthOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
