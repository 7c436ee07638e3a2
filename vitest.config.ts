import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
    environment: 'node',
    // IndexedDB for the storage tests, as in the browser.
    setupFiles: ['fake-indexeddb/auto'],
    // tfjs training tests are CPU-bound: one test file per core.
    pool: 'forks',
    maxWorkers: 2,
    // WebAssembly relaxed SIMD (fused multiply-add), on by default in Chromium, not yet in Node 20.
    execArgv: ['--experimental-wasm-relaxed-simd'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
