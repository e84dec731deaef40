import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePastChange, writePastRelease, writePastRollout } from '../metrics-kpi/history-writer.js';
import { ManualClock } from '../platform/clock.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

type Question = {
  id: string;
  answer: string | null;
  source: string | null;
  measured: { value: number | null; numerator: number; denominator: number } | null;
};

describe.each(testDatabaseKinds())('maturity assessment on %s', (kind) => {
  let t: TestApp;
  let manager: string;
  let auditor: string;
  const clock = new ManualClock('2026-06-01T00:00:00.000Z');

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    manager = (await t.userWithRoles('rel-mgr', ['release_manager'])).token;
    auditor = (await t.userWithRoles('aud', ['auditor'])).token;
    const approver = await t.userWithRoles('cab', ['cab_member']);
    const web = (
      await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: 'server', name: 'web-m' } })
    ).json().id;
    const db = t.slipway.ctx.database.db;
    // Two releases in production: one rehearsed with three protocols, one neither.
    for (const [version, rehearsed, protocols] of [
      ['1.0.0', true, ['functionality', 'integration', 'performance']],
      ['1.1.0', false, []],
    ] as const) {
      const id = await writePastRelease(db, {
        type: 'minor',
        element: 'server',
        unitName: 'm-shop',
        unitCiId: null,
        version,
        title: 'm',
        state: 'deployed',
        createdAt: '2026-03-01T00:00:00.000Z',
        approvedAt: '2026-03-05T00:00:00.000Z',
        deployedAt: '2026-03-10T00:00:00.000Z',
        planComplete: true,
        passedProtocols: [...protocols],
        rehearsedBackout: rehearsed,
        review: null,
        requester: 'rita',
      });
      await writePastRollout(db, {
        releaseId: id,
        environment: 'production',
        state: 'completed',
        plannedStart: '2026-03-10T00:00:00.000Z',
        plannedEnd: '2026-03-10T04:00:00.000Z',
        startedAt: '2026-03-09T22:00:00.000Z',
        finishedAt: '2026-03-10T00:00:00.000Z',
        backoutStartedAt: null,
        targets: [{ ciId: web, ciClass: 'server', ciName: 'web-m', downtimeMs: 0 }],
        createdBy: 'rita',
      });
    }
    // Changes: approved before start, started without approval, standard (pre-approved).
    for (const [type, approvedAt] of [
      ['normal', '2026-04-01T00:00:00.000Z'],
      ['normal', null],
      ['standard', null],
    ] as const) {
      await writePastChange(db, {
        type,
        title: 'c',
        releaseId: null,
        ciIds: [web],
        createdAt: '2026-03-30T00:00:00.000Z',
        submittedAt: '2026-03-30T00:00:00.000Z',
        approvedAt,
        approverId: approvedAt === null ? null : approver.id,
        approverName: 'cab',
        startedAt: '2026-04-02T00:00:00.000Z',
        completedAt: '2026-04-02T01:00:00.000Z',
        review: null,
        requester: 'maria',
        riskScore: null,
      });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('pre-fills the questionnaire from evidence, showing numerators and denominators', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/maturity/questionnaire', token: auditor });
    expect(res.statusCode, res.body).toBe(200);
    const questions: Question[] = res.json().result.questions;
    const q = (id: string) => questions.find((x) => x.id === id) as Question;
    expect(q('rel-3-backout')).toMatchObject({
      answer: 'partial',
      source: 'evidence',
      measured: { numerator: 1, denominator: 2, value: 0.5 },
    });
    expect(q('rel-4-coverage').measured).toMatchObject({ numerator: 1, denominator: 2 });
    expect(q('rel-4-coverage').answer).toBe('partial');
    expect(q('rel-4-ontime')).toMatchObject({ answer: 'yes', measured: { numerator: 2, denominator: 2 } });
    expect(q('rel-2-policy')).toMatchObject({ answer: 'yes' });
    // 2 of 3 implemented changes approved (one normal, one standard) before starting.
    expect(q('chg-2-approved')).toMatchObject({ answer: 'partial', measured: { numerator: 2, denominator: 3 } });
    // Nothing submitted with a risk: measured 0 of 3.
    expect(q('chg-3-risk')).toMatchObject({ answer: 'no', measured: { numerator: 0, denominator: 3 } });
    // No incidents at all: not measurable, left open.
    expect(q('chg-4-incidents')).toMatchObject({ answer: null, source: null });
    expect(q('rel-2-owner')).toMatchObject({ answer: null, source: null });
  });

  it('stores assessments, reaches levels, compares two and prints a report', async () => {
    const q = (await t.request({ method: 'GET', url: '/api/v1/maturity/questionnaire' })).json();
    const releaseLevel2 = q.result.questions.filter(
      (x: { process: string; level: number }) => x.process === 'release' && x.level === 2,
    );
    const first = await t.request({
      method: 'POST',
      url: '/api/v1/maturity/assessments',
      token: manager,
      body: { title: 'Q1' },
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().levels).toEqual({ release: 1, change: 1, configuration: 1 });
    const answers = Object.fromEntries(
      releaseLevel2.map((x: { id: string }) => [x.id, { answer: 'yes', note: 'agreed in the review' }]),
    );
    const second = await t.request({
      method: 'POST',
      url: '/api/v1/maturity/assessments',
      token: manager,
      body: { title: 'Q2', answers },
    });
    expect(second.statusCode, second.body).toBe(201);
    const b = second.json();
    expect(b.levels.release).toBe(2);
    const gaps = b.result.processes.find((p: { process: string }) => p.process === 'release').gaps;
    expect(gaps.length).toBeGreaterThan(0);
    expect(
      gaps.every((g: { level: number; recommendation: string }) => g.level === 3 && g.recommendation.length > 0),
    ).toBe(true);

    expect(
      (await t.request({ method: 'POST', url: '/api/v1/maturity/assessments', token: auditor, body: {} })).statusCode,
    ).toBe(403);
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/maturity/assessments',
      token: manager,
      body: { answers: { 'no-such-question': { answer: 'yes' } } },
    });
    expect(bad.statusCode).toBe(400);

    const list = (
      await t.request({ method: 'GET', url: '/api/v1/maturity/assessments?limit=1', token: auditor })
    ).json();
    expect(list.items.map((a: { title: string }) => a.title)).toEqual(['Q2']);
    expect(list.next).not.toBeNull();

    const cmp = await t.request({
      method: 'GET',
      url: `/api/v1/maturity/compare?from=${first.json().id}&to=${b.id}`,
      token: auditor,
    });
    expect(cmp.statusCode, cmp.body).toBe(200);
    expect(cmp.json().processes.find((p: { process: string }) => p.process === 'release')).toEqual({
      process: 'release',
      fromLevel: 1,
      toLevel: 2,
      delta: 1,
    });
    expect(cmp.json().changedAnswers.length).toBeGreaterThan(0);

    const report = await t.request({
      method: 'GET',
      url: `/api/v1/maturity/assessments/${b.id}/report?compare=${first.json().id}`,
      token: auditor,
    });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/html/);
    expect(report.body).toContain('<svg');
    expect(report.body).toContain('Release management: level 2 Repeatable');
    expect(report.body).toContain('Compared with “Q1”');
    expect(report.body).toContain('@page');
    expect((await t.request({ method: 'GET', url: '/api/v1/maturity/assessments/9999' })).statusCode).toBe(404);

    const audit = await t.request({
      method: 'GET',
      url: `/api/v1/audit?objectType=maturity_assessment&objectId=${b.id}`,
    });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual(['maturity.assessment.create']);
  });
});
