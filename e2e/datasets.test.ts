/**
 * Your own data: generated IDX files (1,000 labelled images, the images gzip-compressed) are
 * imported as a dataset, a few steps train on it, the run list names it, and its own evaluation
 * classifier (trained in the worker) judges the checkpoint; a text file named .gz
 * is refused with a message and changes nothing; a zip of 40 PNG pictures in two folders becomes
 * a dataset of 40 labelled by folder; after a reload both datasets are still there.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digitGridPng } from '../scripts/pngGrid';
import { IDX_IMAGES, IDX_LABELS, idxFile } from '../src/testing/idxFixtures';
import { byTestId, canvasDigest, describeLab, drawnDigest, launchChromium, openLab, readNumber, waitFor, waitForNumber } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** IDX files of `count` images (a bright blob at a place that follows the label) and their labels. */
function idxFiles(dir: string, count: number): string[] {
  const pixels = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let y = 6; y < 22; y++) for (let x = 4 + label; x < 10 + label; x++) pixels[i * 784 + y * 28 + x] = 200 + ((i * 7 + x) % 56);
  }
  const imageFile = join(dir, 'blobs-images-idx3-ubyte.gz');
  const labelFile = join(dir, 'blobs-labels-idx1-ubyte');
  writeFileSync(imageFile, gzipSync(idxFile(IDX_IMAGES, [count, 28, 28], pixels)));
  writeFileSync(labelFile, idxFile(IDX_LABELS, [count], labels));
  return [imageFile, labelFile];
}

/** A zip of `count` 28×28 PNG pictures, a dark bar on white, half in ones/ and half in sevens/. */
function pictureZip(dir: string, count: number): string {
  const entries: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    const values = new Float32Array(784).fill(1);
    const column = i % 2 ? 8 + (i % 10) : 14;
    for (let y = 4; y < 24; y++) for (let x = column; x < column + 3; x++) values[y * 28 + x] = -1;
    entries[`digits/${i % 2 ? 'sevens' : 'ones'}/${String(i).padStart(3, '0')}.png`] = digitGridPng(values, 1, 1);
  }
  const file = join(dir, 'digits.zip');
  writeFileSync(file, zipSync(entries));
  return file;
}

it('imports IDX files and a zip of pictures as datasets, trains on one, refuses a text file, and keeps them through a reload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-datasets-'));
  const lab = await openLab(browser, '/?backend=wasm&epochs=1&stepsPerEpoch=3&batchSize=8&logEvery=1');
  const { page } = lab;
  try {
    await waitFor(page, 'the dataset chooser', `!!document.querySelector('[data-testid="dataset-select"]')`);
    expect(await readNumber(page, 'dataset-summary')).toBe(70_000);
    await byTestId(page, 'dataset-import-open').click();
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
    // Quality on it: a classifier of its ten blob places, trained in the worker, judges the digits.
    await waitFor(page, "the dataset's classifier", `/test accuracy/.test(document.querySelector('[data-testid="quality-judge"]')?.textContent ?? '')`, 180_000);
    await waitForNumber(lab, 'quality-fd', 0, 30_000);
    const judge = (await byTestId(page, 'quality-judge').textContent()) ?? '';
    const accuracy = Number(/test accuracy (\d+\.\d) %/.exec(judge)?.[1]);
    expect(accuracy, judge).toBeGreaterThan(90);
    expect(await byTestId(page, 'quality-score').textContent()).toMatch(/ \/ 10$/);
    expect(await byTestId(page, 'dataset-summary').textContent()).toMatch(/Its evaluation classifier \(for FD and the score\): test accuracy \d+\.\d % on 100 held-out images/);

    const text = join(dir, 'notes.gz');
    writeFileSync(text, 'These are notes, not images.');
    await byTestId(page, 'dataset-name').fill('Notes');
    await byTestId(page, 'dataset-import').setInputFiles(text);
    await waitFor(page, 'the refusal', `!!document.querySelector('[data-testid="error-message"]')`);
    expect(await byTestId(page, 'error-message').textContent()).toMatch(/notes\.gz is not an IDX image or label file/);
    expect(await byTestId(page, 'dataset-select').locator('option:checked').textContent()).toBe('Blobs');
    expect(await byTestId(page, 'dataset-select').locator('option').allTextContents()).toEqual(['MNIST (built in)', 'Blobs']);

    // A zip of 40 pictures, dark strokes on white in two folders: labelled by folder, inverted.
    await byTestId(page, 'dataset-name').fill('Pictures');
    await byTestId(page, 'dataset-folder-labels').check();
    await byTestId(page, 'dataset-import').setInputFiles(pictureZip(dir, 40));
    await waitFor(page, 'the pictures chosen', `/^40 images/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '')`);
    expect(await byTestId(page, 'dataset-summary').textContent()).toMatch(/labelled, 2 classes \(ones, sevens\)/);
    // Two-tone pictures: light bars on a dark ground once inverted, so the preview spans the range.
    await waitFor(page, 'the preview of the pictures', `!!document.querySelector('[data-testid="dataset-preview"]')`);
    const preview = await canvasDigest(page, 'dataset-preview');
    expect(preview?.range).toBeGreaterThan(200);
    expect(await byTestId(page, 'dataset-select').locator('option').allTextContents()).toEqual(['MNIST (built in)', 'Blobs', 'Pictures']);

    await page.reload();
    await waitFor(page, 'the dataset after a reload', `/^40 images/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '')`);
    expect(await byTestId(page, 'dataset-select').locator('option').allTextContents()).toEqual(['MNIST (built in)', 'Blobs', 'Pictures']);
    expect(lab.problems, await describeLab(lab)).toEqual([]);
  } finally {
    await lab.close();
  }
});
