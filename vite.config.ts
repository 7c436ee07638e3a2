import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import {
  CROSS_ORIGIN_ISOLATION,
  DEV_CONTENT_SECURITY_POLICY,
  STATIC_HOST_HEADERS,
  cspPlugin,
} from './scripts/cspPlugin.js';
import { mnistPlugin } from './scripts/mnistPlugin.js';
import { tfjsWasmThreadsPlugin } from './scripts/tfjsWasmThreadsPlugin.js';

export default defineConfig({
  plugins: [react(), mnistPlugin(), tfjsWasmThreadsPlugin(), cspPlugin()],
  server: { headers: { ...CROSS_ORIGIN_ISOLATION, 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY } },
  // Preview serves dist/ as a static host should (dist/_headers holds the same).
  preview: { headers: STATIC_HOST_HEADERS },
  worker: {
    format: 'es',
    plugins: () => [tfjsWasmThreadsPlugin()],
  },
  build: {
    // Module workers and the tfjs bundles want a modern target.
    target: 'es2022',
    // tfjs with its backends is a few MB by nature; the worker chunk is expected to be big.
    chunkSizeWarningLimit: 4096,
  },
});
