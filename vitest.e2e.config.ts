import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: the built app (`dist/`, served by `vite preview` from the global setup)
 * driven in real Chromium. One browser at a time: test files run one after another.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['e2e/globalSetup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
