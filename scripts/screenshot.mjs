/**
 * `npm run screenshot`: serves the built app (run `npm run build` first), trains a small run in
 * Chromium and saves docs/screenshot.png (1280x900) once a few epochs are done.
 * SCREENSHOT_RUN (a query string) and SCREENSHOT_EPOCHS override the run and the wait.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The helpers are TypeScript, shared with the e2e tests; Vite's module runner loads them.
const { module: labBrowser } = await runnerImport(join(root, 'scripts/labBrowser.ts'), {
  configFile: false,
  logLevel: 'warn',
});
const { launchChromium, startPreview } = labBrowser;
const output = join(root, 'docs', 'screenshot.png');
// The seed preset as a user starts it; digits take shape after a few of its 128-step epochs.
const RUN = process.env.SCREENSHOT_RUN ?? '?preset=seed&backend=wasm';
const EPOCHS_BEFORE_SHOT = Number(process.env.SCREENSHOT_EPOCHS ?? 8);
const TIMEOUT_MS = 30 * 60_000;

const server = await startPreview(root);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(new URL(RUN, server.url).href);
  await page.locator('[data-testid="train-button"]').click();
  console.log(`Training ${RUN}; waiting for epoch ${EPOCHS_BEFORE_SHOT}...`);
  await page.waitForFunction(
    (min) => {
      const text = document.querySelector('[data-testid="status-epoch"]')?.textContent ?? '';
      const match = /\d[\d,]*/.exec(text);
      return match !== null && Number(match[0].replace(/,/g, '')) >= min;
    },
    EPOCHS_BEFORE_SHOT,
    { timeout: TIMEOUT_MS, polling: 500 },
  );
  // Let the grid and charts of the last epoch reach the screen.
  await page.waitForTimeout(1_000);
  await mkdir(dirname(output), { recursive: true });
  await page.screenshot({ path: output });
  console.log(`Saved ${output}`);
} finally {
  await browser.close();
  await server.close();
}
