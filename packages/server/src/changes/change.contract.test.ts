import { expect } from 'vitest';
import { resourceContract } from '../test-support/contract.js';
import type { TestApp } from '../test-support/test-app.js';

/** The shared API contract, instantiated for the change-management resources with data only. */

let ciId = 0;
async function seedCi(t: TestApp): Promise<void> {
  const res = await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: 'server', name: 'contract-host' } });
  expect(res.statusCode, res.body).toBe(201);
  ciId = res.json().id;
}

const window = (n: number) => ({
  plannedStart: new Date(Date.UTC(2030, 0, 1) + n * 3_600_000).toISOString(),
  plannedEnd: new Date(Date.UTC(2030, 0, 1) + (n + 2) * 3_600_000).toISOString(),
});

resourceContract({
  resource: 'changes',
  listUrl: '/api/v1/changes',
  readPermission: 'changes.read',
  writePermission: 'changes.write',
  audit: { objectType: 'change', createAction: 'change.create' },
  setup: seedCi,
  validCreate: (n) => ({
    type: 'normal',
    title: `Contract change ${n}`,
    ciIds: [ciId],
    ...window(n),
    backoutPlan: 'Undo it',
  }),
  invalidCreates: [
    { label: 'missing title', body: { type: 'normal' } },
    { label: 'missing type', body: { title: 'No type' } },
    { label: 'unknown type', body: { type: 'risky', title: 'x' } },
    {
      label: 'end before start',
      body: { type: 'normal', title: 'x', plannedStart: '2030-01-02T10:00:00Z', plannedEnd: '2030-01-02T09:00:00Z' },
    },
    { label: 'start without end', body: { type: 'normal', title: 'x', plannedStart: '2030-01-02T10:00:00Z' } },
    { label: 'not a date-time', body: { type: 'normal', title: 'x', plannedStart: 'soon', plannedEnd: 'later' } },
    { label: 'unknown CI', body: { type: 'normal', title: 'x', ciIds: [2_000_000_000] } },
    { label: 'duplicate CIs', body: { type: 'normal', title: 'x', ciIds: [1, 1] } },
    { label: 'unknown implementer', body: { type: 'normal', title: 'x', implementerId: 2_000_000_000 } },
    { label: 'standard without template', body: { type: 'standard', title: 'x' } },
    { label: 'unknown field', body: { type: 'normal', title: 'x', approved: true } },
    { label: 'state is not writable', body: { type: 'normal', title: 'x', state: 'scheduled' } },
    { label: 'wrong type', body: { type: 'normal', title: 42 } },
    { label: 'not an object', body: ['normal'] },
  ],
  update: { method: 'PATCH', body: (n) => ({ title: `Renamed change ${n}`, description: `Edited ${n}` }) },
});

resourceContract({
  resource: 'freezes',
  listUrl: '/api/v1/freezes',
  readPermission: 'changes.read',
  writePermission: 'changes.manage',
  audit: { objectType: 'freeze', createAction: 'freeze.create' },
  setup: seedCi,
  validCreate: (n) => ({
    name: `Contract freeze ${n}`,
    kind: n % 2 === 0 ? 'hard' : 'soft',
    startsAt: '2030-12-15T00:00:00Z',
    endsAt: '2031-01-06T00:00:00Z',
    rrule: 'FREQ=YEARLY',
    scope: { ciIds: [ciId] },
  }),
  invalidCreates: [
    { label: 'missing kind', body: { name: 'x', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z' } },
    {
      label: 'unknown kind',
      body: { name: 'x', kind: 'icy', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z' },
    },
    {
      label: 'end before start',
      body: { name: 'x', kind: 'hard', startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
    },
    {
      label: 'unsupported rule',
      body: {
        name: 'x',
        kind: 'hard',
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2030-01-01T01:00:00Z',
        rrule: 'FREQ=MINUTELY',
      },
    },
    {
      label: 'unknown time zone',
      body: {
        name: 'x',
        kind: 'hard',
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2030-01-01T01:00:00Z',
        timezone: 'Mars/Base',
      },
    },
    {
      label: 'unknown CI in scope',
      body: {
        name: 'x',
        kind: 'hard',
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2030-01-01T01:00:00Z',
        scope: { ciIds: [2_000_000_000] },
      },
    },
    {
      label: 'a service that is not a service',
      body: {
        name: 'x',
        kind: 'hard',
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2030-01-01T01:00:00Z',
        scope: { serviceIds: [1] },
      },
    },
    {
      label: 'unknown field',
      body: { name: 'x', kind: 'hard', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T01:00:00Z', color: 'red' },
    },
  ],
  update: { method: 'PATCH', body: (n) => ({ name: `Renamed freeze ${n}` }) },
});

resourceContract({
  resource: 'change-templates',
  listUrl: '/api/v1/change-templates',
  readPermission: 'changes.read',
  writePermission: 'changes.manage',
  audit: { objectType: 'change_template', createAction: 'change_template.create' },
  validCreate: (n) => ({
    name: `Contract template ${n}`,
    allowedCiClasses: ['server', 'desktop'],
    maxImpactedCis: 10,
    maxDurationMinutes: 60,
  }),
  invalidCreates: [
    { label: 'no classes', body: { name: 'x', allowedCiClasses: [], maxImpactedCis: 1, maxDurationMinutes: 1 } },
    {
      label: 'unknown class',
      body: { name: 'x', allowedCiClasses: ['starship'], maxImpactedCis: 1, maxDurationMinutes: 1 },
    },
    {
      label: 'negative limit',
      body: { name: 'x', allowedCiClasses: ['server'], maxImpactedCis: -1, maxDurationMinutes: 1 },
    },
    { label: 'missing duration', body: { name: 'x', allowedCiClasses: ['server'], maxImpactedCis: 1 } },
  ],
  update: { method: 'PATCH', body: (n) => ({ description: `Described ${n}` }) },
});

resourceContract({
  resource: 'maintenance-windows',
  listUrl: '/api/v1/maintenance-windows',
  readPermission: 'changes.read',
  writePermission: 'changes.manage',
  audit: { objectType: 'maintenance_window', createAction: 'maintenance_window.create' },
  setup: seedCi,
  validCreate: (n) => ({
    name: `Contract window ${n}`,
    startsAt: '2030-01-05T22:00:00Z',
    endsAt: '2030-01-06T02:00:00Z',
    rrule: 'FREQ=WEEKLY;BYDAY=SA',
    ciIds: [ciId],
  }),
  invalidCreates: [
    {
      label: 'no CI or service',
      body: { name: 'x', startsAt: '2030-01-05T22:00:00Z', endsAt: '2030-01-06T02:00:00Z' },
    },
    {
      label: 'end before start',
      body: { name: 'x', startsAt: '2030-01-06T22:00:00Z', endsAt: '2030-01-06T02:00:00Z', ciIds: [1] },
    },
    {
      label: 'bad rule',
      body: {
        name: 'x',
        startsAt: '2030-01-05T22:00:00Z',
        endsAt: '2030-01-06T02:00:00Z',
        rrule: 'BYDAY=SA',
        ciIds: [1],
      },
    },
  ],
  update: { method: 'PATCH', body: (n) => ({ name: `Renamed window ${n}` }) },
});
