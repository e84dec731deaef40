import { expect } from 'vitest';
import { type Json, ReleaseClient, type ReleaseOrg, windowIn } from './release-kit.js';
import type { TestApp } from './test-app.js';

/**
 * Rollout test helpers (only *.test.ts files import this): desktops to roll out to, an approved
 * emergency release (the shortest honest path through the release gates), and waiting for a
 * rollout to reach a state.
 */
export interface RolloutJson extends Json {
  id: number;
  releaseId: number;
  state: string;
  phase: string;
  version: number;
  pauseReason: string | null;
  reason: string | null;
  activation: string | null;
  baselineId: number | null;
  waves: {
    index: number;
    name: string;
    action: string;
    state: string;
    targets: number;
    counts: Record<string, number>;
    startedAt: string | null;
    gatePassedAt: string | null;
    impact: { count: number } | null;
  }[];
  totals: { targets: number; deployed: number; failed: number; backedOut: number; downtimeMs: number };
  allowedActions: string[];
}

let unitCounter = 0;

/** `count` desktops at the given sites (round robin), with Zoom 5.12.9 installed on each. */
export async function desktops(
  t: TestApp,
  prefix: string,
  count: number,
  sites: string[],
  zoomOld: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/cis',
      body: {
        class: 'desktop',
        name: `${prefix}-${String(i).padStart(4, '0')}`,
        environment: 'production',
        attributes: { os: 'Windows', os_version: '10.0.19045', site: sites[i % sites.length] },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as number;
    ids.push(id);
    const rel = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: zoomOld, type: 'installed_on', targetId: id },
    });
    expect(rel.statusCode, rel.body).toBe(201);
  }
  return ids;
}

/** An emergency desktop release of a fresh unit, approved by the ECAB, with `targets` in production. */
export async function approvedRelease(
  t: TestApp,
  org: ReleaseOrg,
  targets: number[],
  options: {
    strategy?: string;
    element?: string;
    product?: string;
    /** Hardware from the DHS to reserve for the release. */
    reserve?: { modelId: number; siteId: number; quantity: number }[];
  } = {},
): Promise<{ id: number; unit: string; product: string; version: string }> {
  const api = new ReleaseClient(t);
  const rita = org.users.rita.token;
  unitCounter++;
  const unit = `unit-${process.pid}-${unitCounter}`;
  const product = options.product ?? 'Zoom';
  const version = `5.17.${unitCounter}`;
  const created = await api.create(rita, {
    type: 'emergency',
    element: options.element ?? 'desktop',
    unit,
    releaseVersion: version,
    title: `${product} ${version}`,
    ...(options.strategy && { rolloutStrategy: options.strategy }),
    ...windowIn(new Date().toISOString(), 1),
  });
  await api.fillPlan(rita, created.id, ['scope', 'backout_plan']);
  const artifact = await api.artifact(org.users.maria.token, {
    name: product,
    artifactVersion: version,
    license: 'MIT',
  });
  await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/artifacts`, { artifactId: artifact });
  for (let i = 0; i < targets.length; i += 1000) {
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/targets`, {
      environment: 'production',
      cis: targets.slice(i, i + 1000),
    });
  }
  if (options.reserve)
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/reservations`, { lines: options.reserve });
  for (const to of ['built', 'in_test']) {
    const moved = await api.move(rita, created.id, to);
    expect(moved.statusCode, moved.body).toBe(200);
  }
  // Through the environments, passing whatever the policy and the element's template require in each.
  for (const env of ['development', 'test', 'staging']) {
    const promoted = await api.promote(rita, created.id, env);
    expect(promoted.statusCode, promoted.body).toBe(201);
    await api.passTests(org.users.ted.token, created.id, env);
  }
  const raised = (await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/change`, { submit: true })) as {
    change: { id: number };
  };
  await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${raised.change.id}/approve`, {});
  const approved = await api.call(org.users.cora.token, 'POST', `/api/v1/releases/${created.id}/approve`, {});
  expect(approved.statusCode, approved.body).toBe(200);
  expect(approved.json().state).toBe('approved');
  return { id: created.id, unit, product, version };
}

/** Polls the rollout until `done` holds (or fails the test after `timeoutMs`). */
export async function waitFor(
  t: TestApp,
  id: number,
  done: (r: RolloutJson) => boolean,
  timeoutMs = 20_000,
): Promise<RolloutJson> {
  const deadline = Date.now() + timeoutMs;
  let last: RolloutJson | undefined;
  while (Date.now() < deadline) {
    const res = await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}` });
    expect(res.statusCode, res.body).toBe(200);
    last = res.json() as RolloutJson;
    if (done(last)) return last;
    await t.slipway.ctx.jobs.poll();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `rollout ${id} did not get there in ${timeoutMs} ms; last: ${JSON.stringify({ state: last?.state, pauseReason: last?.pauseReason, reason: last?.reason, waves: last?.waves.map((w) => [w.state, w.counts]) })}`,
  );
}

export const inState =
  (...states: string[]) =>
  (r: RolloutJson) =>
    states.includes(r.state);
