import { resourceContract } from '../test-support/contract.js';

resourceContract({
  resource: 'incidents',
  listUrl: '/api/v1/incidents',
  readPermission: 'incidents.read',
  writePermission: 'incidents.write',
  audit: { objectType: 'incident', createAction: 'incident.create' },
  validCreate: (n) => ({ title: `Incident ${n}`, startedAt: '2026-01-01T00:00:00Z', severity: 'minor' }),
  invalidCreates: [
    { label: 'missing startedAt', body: { title: 'x' } },
    { label: 'bad severity', body: { title: 'x', startedAt: '2026-01-01T00:00:00Z', severity: 'apocalyptic' } },
    { label: 'unknown field', body: { title: 'x', startedAt: '2026-01-01T00:00:00Z', state: 'open' } },
    {
      label: 'resolved before start',
      body: { title: 'x', startedAt: '2026-01-02T00:00:00Z', resolvedAt: '2026-01-01T00:00:00Z' },
    },
  ],
  update: { method: 'PATCH', body: (n) => ({ description: `what we know ${n}` }) },
});
