import path from 'node:path';
import { defineConfig } from 'vitest/config';

const here = path.dirname(new URL(import.meta.url).pathname);

/**
 * Suites whose figures are timings (the load suite's p99): they measure nothing useful while
 * other test files compete for the same two cores. `npm test` runs them with everything else;
 * CI sets SLIPWAY_TIMED_SUITES=alone, leaves them out of the parallel run and runs them in a
 * vitest run of their own right after (.ci/run), so they are never skipped.
 */
export const TIMED_SUITES = ['packages/server/src/reliability/load.test.ts'];
const timedSuitesAlone = process.env.SLIPWAY_TIMED_SUITES === 'alone';

export default defineConfig({
  resolve: {
    alias: {
      '@slipway/model': path.join(here, 'packages/model/src/index.ts'),
      '@slipway/server': path.join(here, 'packages/server/src/index.ts'),
      '@slipway/client': path.join(here, 'packages/client/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(timedSuitesAlone ? TIMED_SUITES : [])],
    globalSetup: ['packages/server/src/test-support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
