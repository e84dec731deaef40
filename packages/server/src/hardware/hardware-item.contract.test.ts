import { resourceContract } from '../test-support/contract.js';

let modelId = 0;
let siteId = 0;

resourceContract({
  resource: 'hardware-items',
  listUrl: '/api/v1/hardware/items',
  readPermission: 'hardware.read',
  writePermission: 'hardware.write',
  audit: { objectType: 'hardware_item', createAction: 'hardware.item.receive' },
  setup: async (t) => {
    const model = await t.request({
      method: 'POST',
      url: '/api/v1/hardware/models',
      body: { name: 'Contract Laptop', ciClass: 'desktop' },
    });
    const site = await t.request({
      method: 'POST',
      url: '/api/v1/hardware/sites',
      body: { code: 'CTR', name: 'Contract Site' },
    });
    modelId = model.json().id;
    siteId = site.json().id;
  },
  validCreate: (n) => ({ modelId, siteId, serial: `SN-${n}`, warrantyEnd: '2029-12-31' }),
  invalidCreates: [
    { label: 'missing serial', body: { modelId: 1, siteId: 1 } },
    { label: 'bad warranty date', body: { modelId: 1, siteId: 1, serial: 'X-1', warrantyEnd: '31/12/2029' } },
    { label: 'unknown field', body: { modelId: 1, siteId: 1, serial: 'X-2', state: 'deployed' } },
  ],
  update: { method: 'PATCH', body: (n) => ({ notes: `note ${n}` }) },
});
