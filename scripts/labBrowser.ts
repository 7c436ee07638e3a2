/**
 * Serving the built app and driving it in Chromium, shared by the e2e tests and the screenshot
 * script.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { requireChromium } from './findChromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `extraArgs`: e.g. --enable-unsafe-webgpu for a bench on a machine with a GPU. */
export async function launchChromium(extraArgs: string[] = []) {
  return chromium.launch({
    executablePath: requireChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not find a free TCP port.'));
      });
    });
  });
}

export interface PreviewServer {
  /** The app's URL, ending in `/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built `dist/` of the project at `root` with `vite preview` (the production headers:
 * COOP/COEP, MNIST) on a free port.
 */
export async function startPreview(root: string): Promise<PreviewServer> {
  if (!existsSync(join(root, 'dist', 'index.html'))) {
    throw new Error('dist/index.html is missing: run `npm run build` first.');
  }
  const port = await freePort();
  const server = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}
