/**
 * Your own data: generated IDX files (1,000 labelled images, the images gzip-compressed) are
 * imported as a dataset, a few steps train on it, the run list names it; a text file named .gz
 * is refused with a message and changes nothing; after a reload the dataset is still there.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, drawnDigest, launchChromium, openLab, readNumber, waitFor, waitForNumber } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** IDX files of `count` images (a bright blob at a place that follows the label) and their labels. */
function idxFiles(dir: string, count: number): string[] {
  const images = Buffer.alloc(16 + count * 784);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + count);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[8 + i] = label;
    for (let y = 6; y < 22; y++) for (let x = 4 + label; x < 10 + label; x++) images[16 + i * 784 + y * 28 + x] = 200 + ((i * 7 + x) % 56);
  }
  const imageFile = join(dir, 'blobs-images-idx3-ubyte.gz');
  const labelFile = join(dir, 'blobs-labels-idx1-ubyte');
  writeFileSync(imageFile, gzipSync(images));
  writeFileSync(labelFile, labels);
  return [imageFile, labelFile];
}

it('imports IDX files as a dataset, trains on it, refuses a text file, and keeps it through a reload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-datasets-'));
  const lab = await openLab(browser, '/?backend=cpu&epochs=1&stepsPerEpoch=3&batchSize=8&logEvery=1');
  const { page } = lab;
  try {
    await waitFor(page, 'the dataset chooser', `!!document.querySelector('[data-testid="dataset-select"]')`);
    expect(await readNumber(page, 'dataset-summary')).toBe(70_000);
    await byTestId(page, 'dataset-name').fill('Blobs');
    await byTestId(page, 'dataset-import').setInputFiles(idxFiles(dir, 1000));
    await waitFor(page, 'the imported dataset chosen', `/^1,000 images/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '')`);
    expect(await byTestId(page, 'dataset-select').locator('option:checked').textContent()).toBe('Blobs');
    await drawnDigest(page, 'dataset-preview');

    await waitFor(page, 'Train to be enabled', `!document.querySelector('[data-testid="train-button"]')?.disabled`);
    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 3, 120_000);
    await drawnDigest(page, 'live-grid');
    await waitFor(page, 'the run list naming the dataset', `[...document.querySelectorAll('[data-testid="run-dataset"]')].some((e) => e.textContent === 'Blobs')`);

    const text = join(dir, 'notes.gz');
    writeFileSync(text, 'These are notes, not images.');
    await byTestId(page, 'dataset-name').fill('Notes');
    await byTestId(page, 'dataset-import').setInputFiles(text);
    await waitFor(page, 'the refusal', `!!document.querySelector('[data-testid="error-message"]')`);
    expect(await byTestId(page, 'error-message').textContent()).toMatch(/notes\.gz is not an IDX image or label file/);
    expect(await byTestId(page, 'dataset-select').locator('option:checked').textContent()).toBe('Blobs');
    expect(await byTestId(page, 'dataset-select').locator('option').allTextContents()).toEqual(['MNIST (built in)', 'Blobs']);

    await page.reload();
    await waitFor(page, 'the dataset after a reload', `/^1,000 images/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '')`);
    expect(await byTestId(page, 'dataset-select').locator('option').allTextContents()).toEqual(['MNIST (built in)', 'Blobs']);
    expect(lab.problems, await describeLab(lab)).toEqual([]);
  } finally {
    await lab.close();
  }
});
