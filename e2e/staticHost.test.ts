/**
 * The built app on a plain static host: `dist/` served as files with no special headers (no
 * COOP/COEP, no CSP header), as GitHub Pages or a bare file server would. The lab still trains,
 * on one wasm thread, and a notice says why; `dist/_headers` carries the headers for the hosts
 * that read it.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { STATIC_HOST_HEADERS } from '../scripts/cspPlugin';
import { byTestId, describeLab, launchChromium, openLab, waitFor, waitForNumber } from './lab';

const DIST = resolve(import.meta.dirname, '..', 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

let browser: Browser;
let server: Server;
let url: string;

beforeAll(async () => {
  browser = await launchChromium();
  server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
    const file = normalize(join(DIST, path.endsWith('/') ? `${path}index.html` : path));
    try {
      if (!file.startsWith(DIST)) throw new Error('outside dist');
      const body = readFileSync(file);
      response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
});

it('trains on one wasm thread without the isolation headers, and says why', async () => {
  const lab = await openLab(browser, `${url}?backend=wasm&epochs=2&stepsPerEpoch=4&batchSize=16&logEvery=1&seed=5`);
  const { page } = lab;
  try {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 3, 120_000);
    expect(await byTestId(page, 'status-backend').textContent(), await describeLab(lab)).toMatch(/wasm.*1 thread/s);
    await waitFor(
      page,
      'the notice on isolation',
      `[...document.querySelectorAll('[data-testid="notice"]')].some((n) => /not cross-origin isolated.*one thread/s.test(n.textContent))`,
    );
    expect(await byTestId(page, 'error-message').count()).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('ships the headers for static hosts that read dist/_headers', () => {
  const file = readFileSync(join(DIST, '_headers'), 'utf8');
  expect(file.startsWith('/*\n')).toBe(true);
  for (const [name, value] of Object.entries(STATIC_HOST_HEADERS)) expect(file).toContain(`  ${name}: ${value}\n`);
  expect(STATIC_HOST_HEADERS['Cross-Origin-Embedder-Policy']).toBe('require-corp');
});
