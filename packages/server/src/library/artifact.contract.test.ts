import { resourceContract } from '../test-support/contract.js';

const content = (n: number) => Buffer.from(`contract artifact ${n}\n`).toString('base64');

resourceContract({
  resource: 'artifacts',
  listUrl: '/api/v1/artifacts',
  readPermission: 'library.read',
  writePermission: 'library.write',
  audit: { objectType: 'artifact', createAction: 'artifact.push' },
  validCreate: (n) => ({ name: `contract-${n}`, artifactVersion: '1.0.0', license: 'MIT', content: content(n) }),
  invalidCreates: [
    { label: 'missing name', body: { artifactVersion: '1.0.0', license: 'MIT', content: content(0) } },
    {
      label: 'bad licence expression',
      body: { name: 'x', artifactVersion: '1', license: 'MIT AND Nope', content: content(0) },
    },
    {
      label: 'unknown field',
      body: { name: 'x', artifactVersion: '1', license: 'MIT', content: content(0), state: 'approved' },
    },
    {
      label: 'bad element',
      body: { name: 'x', artifactVersion: '1', license: 'MIT', content: content(0), element: 'mainframe' },
    },
    { label: 'content not base64', body: { name: 'x', artifactVersion: '1', license: 'MIT', content: '%%%' } },
  ],
  update: { method: 'PATCH', body: (n) => ({ description: `described ${n}` }) },
});
