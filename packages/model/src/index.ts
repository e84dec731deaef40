export * from './cmdb.js';
export * from './errors.js';
export * from './permissions.js';
export * from './policy.js';
export * from './roles.js';
