import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { CONTENT_SECURITY_POLICY, DEV_CONTENT_SECURITY_POLICY, cspPlugin } from './scripts/cspPlugin.js';
import { mnistPlugin } from './scripts/mnistPlugin.js';
import { tfjsWasmThreadsPlugin } from './scripts/tfjsWasmThreadsPlugin.js';

/**
 * WASM threads need SharedArrayBuffer, which needs cross-origin isolation: every page and worker
 * must be served with these two headers, in dev, in preview and on any static host.
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), mnistPlugin(), tfjsWasmThreadsPlugin(), cspPlugin()],
  server: { headers: { ...crossOriginIsolation, 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY } },
  preview: { headers: { ...crossOriginIsolation, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
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
