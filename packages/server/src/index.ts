export { buildApp, createContext, type SlipwayApp } from './app.js';
export { type Actor, systemActor } from './platform/actor.js';
export { type ConfigOverrides, resolveConfig, type SlipwayConfig } from './platform/config.js';
export { openDatabase, type SlipwayDatabase } from './platform/database.js';
export { DatabaseTooNewError, migrateToLatest, migrationStatus } from './platform/migrator.js';
export { startServer } from './server.js';
export { SLIPWAY_VERSION } from './version.js';
