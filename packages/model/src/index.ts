export * from './changes.js';
export * from './cmdb.js';
export * from './errors.js';
export * from './library.js';
export * from './permissions.js';
export * from './policy.js';
export * from './roles.js';
