import { resourceContract } from '../../test-support/contract.js';

/** The shared API contract, instantiated for users with data only. */
resourceContract({
  resource: 'users',
  listUrl: '/api/v1/users',
  readPermission: 'users.read',
  writePermission: 'users.write',
  audit: { objectType: 'user', createAction: 'user.create' },
  // Token-only accounts (password: null): no argon2 hashing, so the suite stays fast.
  validCreate: (n) => ({
    username: `contract-user-${n}`,
    displayName: `Contract user ${n}`,
    roles: ['engineer'],
    password: null,
  }),
  invalidCreates: [
    { label: 'missing roles', body: { username: 'invalid-no-roles' } },
    { label: 'missing username', body: { roles: ['engineer'] } },
    { label: 'unknown role', body: { username: 'invalid-role', roles: ['superuser'] } },
    { label: 'no roles', body: { username: 'invalid-empty-roles', roles: [] } },
    { label: 'unknown field', body: { username: 'invalid-extra', roles: ['engineer'], isRoot: true } },
    { label: 'wrong type', body: { username: 42, roles: ['engineer'] } },
    { label: 'not an object', body: ['engineer'] },
    { label: 'username with spaces', body: { username: 'has spaces', roles: ['engineer'], password: null } },
    { label: 'password below the policy', body: { username: 'invalid-short', roles: ['engineer'], password: 'short' } },
    { label: 'malformed e-mail', body: { username: 'invalid-mail', roles: ['engineer'], email: 'not-an-address' } },
  ],
  update: { method: 'PATCH', body: (n) => ({ displayName: `Renamed ${n}` }) },
});
