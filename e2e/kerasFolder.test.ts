/**
 * A GAN_images_models/ folder as the Keras scripts leave it (three generators written by h5py in
 * Keras 2's layout, a discriminator beside them) chosen on `import-generator`: the run list shows
 * one imported run with the files' epochs and no Resume, the history scrubs its grids, the sample
 * panel draws from it, it compares with a second imported run, and after a reload it is all
 * still there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PYTHON } from '../src/testing/kerasH5Oracle';
import { byTestId, describeLab, drawnDigest, launchChromium, openLab, waitFor, waitForNumber } from './lab';

const EPOCHS = [20, 40, 60];
const ROW = '[data-testid="run-row"][data-epochs="60"]';

let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'gan-images-models-'));
  EPOCHS.forEach((epoch, i) =>
    execFileSync(PYTHON, ['scripts/kerasH5Seed.py', join(dir, `gan_generator_epoch_${epoch}.h5`), `--seed=${i + 1}`]),
  );
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('imports a folder of Keras generators as one run to scrub, which stays after a reload', async () => {
  const lab = await openLab(browser, '/?backend=wasm');
  const { page } = lab;
  try {
    await waitFor(page, 'the worker to be ready', `!document.querySelector('[data-testid="import-generator"]')?.disabled`);
    const files = EPOCHS.map((epoch) => {
      const name = `gan_generator_epoch_${epoch}.h5`;
      return { name, mimeType: 'application/x-hdf5', buffer: readFileSync(join(dir, name)) };
    });
    files.push({ name: 'gan_discriminator_epoch_20.h5', mimeType: 'application/x-hdf5', buffer: Buffer.from('not read') });
    await byTestId(page, 'import-generator').setInputFiles(files);

    await waitFor(page, 'the imported run in the run list', `!!document.querySelector('${ROW}')`, 60_000);
    const row = page.locator(ROW);
    expect(await row.locator('[data-testid="run-status"]').textContent()).toBe('imported from 3 .h5 files');
    expect(await row.getAttribute('data-checkpoints')).toBe('3');
    // Generators only: nothing to resume or train on.
    expect(await row.locator('[data-testid="run-resume"]').count()).toBe(0);
    expect(await byTestId(page, 'notice').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/Imported 3 Keras generators .*epochs 20, 40, 60.*Skipped .*gan_discriminator_epoch_20\.h5/)]),
    );

    // The history shows the run: the last epoch's grid, then the first's, which differs.
    await waitFor(page, 'the epoch 60 grid', `document.querySelector('[data-testid="history-grid"]')?.dataset.epoch === '60'`);
    const last = await drawnDigest(page, 'history-grid');
    await byTestId(page, 'epoch-slider').focus();
    await page.keyboard.press('Home');
    await waitFor(page, 'the epoch 20 grid', `document.querySelector('[data-testid="history-grid"]')?.dataset.epoch === '20'`);
    const first = await drawnDigest(page, 'history-grid');
    expect(first.hash).not.toBe(last.hash);

    // Sampled from like a trained run's checkpoint.
    await byTestId(page, 'sample-button').click();
    await waitFor(page, 'the sample', `document.querySelector('[data-testid="sample-grid"]')?.dataset.status === 'done'`, 30_000);
    await drawnDigest(page, 'sample-grid');

    // Measured after the import, as a trained run's checkpoints are: the Quality panel reads the
    // last epoch's FD from the run's record.
    await waitForNumber(lab, 'quality-fd', 0, 120_000);
    await waitFor(page, 'the epoch 60 measured', `/epoch 60/.test(document.querySelector('[data-testid="quality-panel"] dt')?.textContent ?? '')`, 60_000);

    // A second folder, compared with the first.
    await byTestId(page, 'import-generator').setInputFiles(files.slice(0, 2));
    await waitFor(page, 'the second imported run', `!!document.querySelector('[data-testid="run-row"][data-epochs="40"]')`, 60_000);
    const boxes = page.locator('[data-testid="run-compare"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await byTestId(page, 'compare-open').click();
    await waitFor(page, 'the comparison', `document.querySelector('[data-testid="runs-compare"]')?.dataset.runs === '2'`);

    await page.reload();
    await waitFor(page, 'the imported run after the reload', `!!document.querySelector('${ROW}')`, 30_000);
    expect(await page.locator(ROW).locator('[data-testid="run-status"]').textContent()).toBe('imported from 3 .h5 files');
    await page.locator(ROW).locator('[data-testid="run-view"]').click();
    await waitFor(page, 'a grid of the run after the reload', `!!document.querySelector('[data-testid="history-grid"][data-epoch]')`);
    await drawnDigest(page, 'history-grid');
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
