/**
 * Every benchmark workload, in the order `npm run bench` runs them. A workload is a module whose
 * default export is `{ name, title, run(ctx) }` (see bench/README.md); add new ones here.
 * `impact` reuses the databases `import` built in the same run.
 */
import api from './api.mjs';
import artifacts from './artifacts.mjs';
import impact from './impact.mjs';
import cmdbImport from './import.mjs';

export const WORKLOADS = [api, cmdbImport, impact, artifacts];
WORKLOADS.push((await import('./conflicts.mjs')).default); // W3, change management (one line, so concurrent edits above stay clean)
WORKLOADS.push((await import('./rollout.mjs')).default); // rollouts, issue 7 (one line)
