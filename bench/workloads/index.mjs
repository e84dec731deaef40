/**
 * Every benchmark workload, in the order `npm run bench` runs them. A workload is a module whose
 * default export is `{ name, title, run(ctx) }` (see bench/README.md); add new ones here.
 */
import api from './api.mjs';

export const WORKLOADS = [api];
