import { defineConfig } from 'vitest/config';

// `source` makes workspace packages resolve to their TypeScript (see each package's `exports`).
const conditions = ['source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real data channels and (later) browsers: two cores, so do not oversubscribe.
    maxWorkers: 2,
  },
});
