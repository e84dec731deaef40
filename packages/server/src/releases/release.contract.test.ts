import { resourceContract } from '../test-support/contract.js';

/** The shared API contract, instantiated for the release-management resources with data only. */

const window = (n: number) => ({
  plannedStart: new Date(Date.UTC(2030, 0, 1) + n * 3_600_000).toISOString(),
  plannedEnd: new Date(Date.UTC(2030, 0, 1) + (n + 2) * 3_600_000).toISOString(),
});

resourceContract({
  resource: 'releases',
  listUrl: '/api/v1/releases',
  readPermission: 'releases.read',
  writePermission: 'releases.write',
  audit: { objectType: 'release', createAction: 'release.create' },
  // Each create is its own release unit, so no version has to increase over another.
  validCreate: (n) => ({
    type: 'minor',
    element: 'server',
    unit: `contract-unit-${n}`,
    releaseVersion: '1.0.0',
    title: `Contract release ${n}`,
    ...window(n),
  }),
  invalidCreates: [
    { label: 'missing type', body: { unit: 'u', releaseVersion: '1.0.0', title: 'x' } },
    { label: 'unknown type', body: { type: 'huge', unit: 'u', releaseVersion: '1.0.0', title: 'x' } },
    { label: 'missing title', body: { type: 'minor', unit: 'u', releaseVersion: '1.0.0' } },
    { label: 'missing version', body: { type: 'minor', unit: 'u', title: 'x' } },
    { label: 'not semver', body: { type: 'minor', unit: 'u', releaseVersion: 'v1', title: 'x' } },
    {
      label: 'unknown element',
      body: { type: 'minor', element: 'mainframe', unit: 'u', releaseVersion: '1.0.0', title: 'x' },
    },
    { label: 'no unit', body: { type: 'minor', element: 'server', releaseVersion: '1.0.0', title: 'x' } },
    { label: 'unknown unit CI', body: { type: 'minor', unitCiId: 2_000_000_000, releaseVersion: '1.0.0', title: 'x' } },
    {
      label: 'end before start',
      body: {
        type: 'minor',
        unit: 'u',
        releaseVersion: '1.0.0',
        title: 'x',
        plannedStart: '2030-01-02T10:00:00Z',
        plannedEnd: '2030-01-02T09:00:00Z',
      },
    },
    {
      label: 'unknown template',
      body: { type: 'minor', templateId: 2_000_000_000, unit: 'u', releaseVersion: '1.0.0', title: 'x' },
    },
    {
      label: 'unknown implementer',
      body: { type: 'minor', unit: 'u', releaseVersion: '1.0.0', title: 'x', implementerId: 2_000_000_000 },
    },
    {
      label: 'state is not writable',
      body: { type: 'minor', unit: 'u', releaseVersion: '1.0.0', title: 'x', state: 'approved' },
    },
    { label: 'not an object', body: ['minor'] },
  ],
  update: { method: 'PATCH', body: (n) => ({ title: `Renamed release ${n}`, knownIssues: `Issue ${n}` }) },
});

resourceContract({
  resource: 'release-templates',
  listUrl: '/api/v1/release-templates',
  readPermission: 'releases.read',
  writePermission: 'releases.write',
  audit: { objectType: 'release_template', createAction: 'release_template.create' },
  validCreate: (n) => ({
    name: `Contract template ${n}`,
    element: 'network',
    planSections: { scope: `Scope ${n}` },
    requiredTests: { test: ['security'] },
    rolloutStrategy: 'canary',
  }),
  invalidCreates: [
    { label: 'missing name', body: { element: 'network', rolloutStrategy: 'canary' } },
    { label: 'unknown element', body: { name: 'x', element: 'mainframe', rolloutStrategy: 'canary' } },
    { label: 'unknown strategy', body: { name: 'x', element: 'network', rolloutStrategy: 'yolo' } },
    {
      label: 'unknown plan section',
      body: { name: 'x', element: 'network', rolloutStrategy: 'canary', planSections: { vibes: 'x' } },
    },
    {
      label: 'unknown protocol',
      body: { name: 'x', element: 'network', rolloutStrategy: 'canary', requiredTests: { test: ['vibes'] } },
    },
  ],
  update: { method: 'PATCH', body: (n) => ({ description: `Edited ${n}` }) },
});
