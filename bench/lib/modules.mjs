/**
 * Loads third-party packages exactly as Slipway's server resolves them (from packages/server),
 * so baselines run on the same Fastify, better-sqlite3 and pg copies as the product.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/**
 * The server package under test: packages/server, or SLIPWAY_BENCH_SERVER_DIR — a copy with a
 * candidate change, to measure it side by side with the same harness (its dist must be built).
 */
export const SERVER_DIR = process.env.SLIPWAY_BENCH_SERVER_DIR
  ? path.resolve(process.env.SLIPWAY_BENCH_SERVER_DIR)
  : path.join(ROOT, 'packages/server');

const serverRequire = createRequire(path.join(SERVER_DIR, 'package.json'));

/** Imports a dependency of @slipway/server (CommonJS packages come back as their module.exports). */
export async function importServerDependency(name) {
  const module = await import(pathToFileURL(serverRequire.resolve(name)).href);
  return module.default ?? module;
}

/** The installed version of a dependency of @slipway/server, or null. */
export function serverDependencyVersion(name) {
  try {
    let dir = path.dirname(serverRequire.resolve(name));
    while (!fs.existsSync(path.join(dir, 'package.json')) || readJson(path.join(dir, 'package.json')).name !== name) {
      const parent = path.dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
    return readJson(path.join(dir, 'package.json')).version ?? null;
  } catch {
    return null;
  }
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The built @slipway/server (packages/server/dist); tells how to build it when it is missing. */
export async function importSlipwayServer() {
  const entry = path.join(SERVER_DIR, 'dist/index.js');
  if (!fs.existsSync(entry)) {
    throw new Error('Slipway is not built (packages/server/dist is missing): run `npm run build` first');
  }
  return import(pathToFileURL(entry).href);
}

/** A module of the built server other than its entry point, e.g. `cmdb/graph/graph-loader.js`. */
export async function importSlipwayModule(relativePath) {
  await importSlipwayServer();
  return import(pathToFileURL(path.join(SERVER_DIR, 'dist', relativePath)).href);
}
