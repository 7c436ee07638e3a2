/**
 * `npm run train:browser -- --preset seed [--epochs 200] [--seed 42] [--backend wasm] [--out f.zip]
 * [--also 140,180]`: trains a preset in the lab itself (the built app, headless Chromium, the
 * page's worker), runs it to its last epoch, and downloads the final generator as the lab's
 * TF.js zip, ready for `npm run eval`, and the generators of the saved epochs listed in --also
 * (as f-epoch<N>.zip). Prints progress and, at the end, the wall-clock minutes of training and
 * when each epoch ended.
 * Any other `--name value` pair is passed to the lab's URL config (e.g. --checkpointEvery 10).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Download } from 'playwright-core';
import { launchChromium, startPreview } from './labBrowser';

function options(args: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || args[i + 1] === undefined) {
      throw new Error(`Expected --name value pairs, got "${args[i]}".`);
    }
    map.set(args[i].slice(2), args[i + 1]);
  }
  return map;
}

export async function main(args: string[]): Promise<void> {
  const given = options(args);
  const out = resolve(given.get('out') ?? `browser-${given.get('preset') ?? 'seed'}.zip`);
  const also = (given.get('also') ?? '').split(',').filter(Boolean);
  given.delete('out');
  given.delete('also');
  const query = new URLSearchParams({ preset: 'seed', backend: 'wasm', seed: '42' });
  for (const [name, value] of given) query.set(name, value);
  const root = process.cwd();
  const server = await startPreview(root);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${server.url}?${query}`);
    const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
    await page.waitForFunction(() => !(document.querySelector('[data-testid="train-button"]') as HTMLButtonElement | null)?.disabled);
    console.log(`Training in Chromium: ${query}`);
    await byTestId('train-button').click();
    const started = Date.now();
    // Minutes after Train at which each epoch was first seen done (polled: within 15 s).
    const epochMinutes: Record<string, number> = {};
    for (;;) {
      await page.waitForTimeout(15_000);
      if (await byTestId('error-message').count()) {
        throw new Error(`The lab shows an error: ${await byTestId('error-message').first().textContent()}`);
      }
      const status = (await byTestId('run-status').count()) ? ((await byTestId('run-status').first().textContent()) ?? '') : '';
      const step = (await byTestId('status-step').textContent())?.trim();
      const epoch = (await byTestId('status-epoch').textContent())?.trim();
      const minutes = (Date.now() - started) / 60_000;
      console.log(`${minutes.toFixed(1)} min · ${epoch} · ${step} · ${status}`);
      const done = /(\d+)/.exec(epoch ?? '')?.[1];
      if (done !== undefined && !(done in epochMinutes)) epochMinutes[done] = Number(minutes.toFixed(2));
      if (status === 'completed') break;
    }
    const minutes = (Date.now() - started) / 60_000;
    const save = async (file: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 120_000 }) as Promise<Download>,
        byTestId('download-generator').click(),
      ]);
      await download.saveAs(file);
      console.log(`Wrote ${file} (${download.suggestedFilename()}).`);
    };
    await save(out);
    for (const epoch of also) {
      await byTestId('sample-epoch').selectOption(epoch);
      await save(out.replace(/\.zip$/i, '') + `-epoch${epoch}.zip`);
    }
    writeFileSync(`${out}.json`, JSON.stringify({ query: query.toString(), trainingMinutes: minutes, epochMinutes }, null, 2));
    console.log(`Trained for ${minutes.toFixed(1)} min.`);
  } finally {
    await browser.close();
    await server.close();
  }
}
