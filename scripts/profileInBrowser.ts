/**
 * Runs the step profile in headless Chromium (`npm run profile -- --browser`): Vite's dev server
 * serves the project with its headers (cross-origin isolated, so wasm gets its threads), a
 * blank page starts stepProfile.worker.ts, and the worker's lines come back.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'vite';
import { launchChromium } from './labBrowser';
import type { StepProfileReply, StepProfileRequest } from './stepProfile.worker';

/** A profile takes about a minute on 2 cores; a stuck one should not hang forever. */
const TIMEOUT_MS = 15 * 60_000;

export async function profileInChromium(root: string, request: StepProfileRequest): Promise<string[]> {
  const server = await createServer({
    root,
    logLevel: 'warn',
    // Pre-bundled dependencies go to a cache of this script's own, not into node_modules.
    cacheDir: join(tmpdir(), 'mnist-gan-lab-profile-vite'),
    // Pre-bundle the worker's dependencies up front: found later, they would reload the page.
    optimizeDeps: { entries: ['scripts/stepProfile.worker.ts'] },
    server: { host: '127.0.0.1', port: 0, hmr: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address !== 'object') throw new Error('The dev server did not start.');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${address.port}/scripts/stepProfile.html`);
    if (!(await page.evaluate(() => crossOriginIsolated))) {
      throw new Error('The profile page is not cross-origin isolated: wasm would run on one thread.');
    }
    const reply = await page.evaluate(
      ([message, timeout]) =>
        new Promise<StepProfileReply>((done) => {
          const worker = new Worker('/scripts/stepProfile.worker.ts', { type: 'module' });
          const timer = setTimeout(() => done({ error: `No profile after ${timeout / 1000} s.` }), timeout);
          worker.onmessage = (event: MessageEvent<StepProfileReply>) => {
            clearTimeout(timer);
            done(event.data);
          };
          worker.onerror = (event) => {
            clearTimeout(timer);
            done({ error: `The profile worker failed: ${event.message}` });
          };
          worker.postMessage(message);
        }),
      [request, TIMEOUT_MS] as const,
    );
    if ('error' in reply) throw new Error(reply.error);
    return reply.lines;
  } finally {
    await browser.close();
    await server.close();
  }
}
