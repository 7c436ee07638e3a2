import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
    // IndexedDB for the storage tests, as in the browser.
    setupFiles: ['fake-indexeddb/auto'],
    // tfjs training tests are CPU-bound: one test file per core.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
