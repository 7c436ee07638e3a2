/**
 * Quality on an unlabelled imported dataset: no classifier knows its classes, so the checkpoint
 * C2ST alone measures it. The Quality panel shows the C2ST and its floor with a chart of it (no
 * FD, no score, no histogram), and a reload shows the same from the run's saved checkpoints.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IDX_IMAGES, idxFile } from '../src/testing/idxFixtures';
import { byTestId, describeLab, launchChromium, openLab, waitFor } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** An IDX image file of `count` bars whose place varies, and no label file. */
function unlabelledImages(dir: string, count: number): string {
  const pixels = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) for (let y = 6; y < 22; y++) for (let x = 4 + (i % 10); x < 10 + (i % 10); x++) pixels[i * 784 + y * 28 + x] = 220;
  const file = join(dir, 'bars-images-idx3-ubyte');
  writeFileSync(file, idxFile(IDX_IMAGES, [count, 28, 28], pixels));
  return file;
}

const C2ST_READING = /^(\d\.\d\d) \(real (\d\.\d\d)\)$/;

it('measures an unlabelled dataset by the C2ST alone, and shows it again after a reload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-dataset-quality-'));
  const lab = await openLab(browser, '/?backend=wasm&epochs=1&stepsPerEpoch=3&batchSize=8&logEvery=1');
  const { page } = lab;
  try {
    await waitFor(page, 'the dataset chooser', `!!document.querySelector('[data-testid="dataset-select"]')`);
    await byTestId(page, 'dataset-import-open').click();
    await byTestId(page, 'dataset-name').fill('Bars');
    await byTestId(page, 'dataset-import').setInputFiles(unlabelledImages(dir, 400));
    await waitFor(page, 'the imported dataset chosen', `/^400 images/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '')`);
    expect(await byTestId(page, 'dataset-summary').textContent()).toMatch(/unlabelled\. .*Quality: the C2ST alone/);

    await waitFor(page, 'Train to be enabled', `!document.querySelector('[data-testid="train-button"]')?.disabled`);
    await byTestId(page, 'train-button').click();
    const c2stShown = `/^\\d\\.\\d\\d \\(real \\d\\.\\d\\d\\)$/.test(document.querySelector('[data-testid="quality-c2st"]')?.textContent ?? '')`;
    await waitFor(page, 'the checkpoint C2ST', c2stShown, 120_000);
    const reading = (await byTestId(page, 'quality-c2st').textContent()) ?? '';
    const [, accuracy, floor] = C2ST_READING.exec(reading)!.map(Number);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(floor).toBeGreaterThanOrEqual(0);
    expect(await byTestId(page, 'quality-judge').textContent()).toMatch(/this dataset has no labels, so no classifier judges them/);
    expect(await byTestId(page, 'quality-fd').count()).toBe(0);
    expect(await byTestId(page, 'quality-modes').textContent()).toMatch(/No classifier for this dataset/);
    await waitFor(page, 'the C2ST chart', `/C2ST \\(0\\.5 = indistinguishable\\)/.test(document.querySelector('[data-testid="quality-chart"]')?.textContent ?? '')`);

    // Saved (the event comes just before its epoch is written): the run row says completed.
    await waitFor(page, 'the run saved', `document.querySelector('[data-testid="run-row"] [data-testid="run-status"]')?.textContent === 'completed'`);
    await page.reload();
    await waitFor(page, 'the saved run', `!!document.querySelector('[data-testid="run-view"]')`);
    await byTestId(page, 'run-view').first().click();
    await waitFor(page, "the saved checkpoint's C2ST", c2stShown, 30_000);
    expect(await byTestId(page, 'quality-c2st').textContent()).toBe(reading);
    expect(lab.problems, await describeLab(lab)).toEqual([]);
  } finally {
    await lab.close();
  }
});
