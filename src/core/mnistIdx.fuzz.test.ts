/**
 * Thousands of generated IDX files (random bytes, truncations, flipped bits, wrong magic, huge
 * declared counts, odd image sizes): the parser either returns a view of the input or throws
 * IdxError, never anything else, never allocates by a size read from the file, and never hangs.
 */
// First: the watch must be in place before anything keeps a typed-array constructor of its own.
import { largestAllocation } from '../testing/allocationWatch';
import { describe, expect, it } from 'vitest';
import { mutate, randomBytes } from '../testing/fuzzSupport';
import { IDX_IMAGES, IDX_LABELS, idxFile, idxImages, idxLabels } from '../testing/idxFixtures';
import { IdxError, makeSplit, parseIdxImages, parseIdxLabels } from './mnistIdx';
import { Rng } from './rng';

/** Parses `bytes` both ways; anything but success or an IdxError fails the test. */
function parseBoth(bytes: Uint8Array): { images: boolean; labels: boolean } {
  const outcome = { images: false, labels: false };
  try {
    const images = parseIdxImages(bytes, 'fuzz-images');
    expect(images.pixels.buffer).toBe(bytes.buffer);
    expect(images.pixels.length).toBe(images.count * 784);
    outcome.images = true;
  } catch (error) {
    if (!(error instanceof IdxError)) throw error;
    expect(error.message).toContain('fuzz-images');
  }
  try {
    const labels = parseIdxLabels(bytes, 'fuzz-labels');
    expect(labels.buffer).toBe(bytes.buffer);
    expect(labels.every((label) => label <= 9)).toBe(true);
    outcome.labels = true;
  } catch (error) {
    if (!(error instanceof IdxError)) throw error;
    expect(error.message).toContain('fuzz-labels');
  }
  return outcome;
}

describe('IDX parser fuzz', () => {
  it('watches allocations (self-check of the tool)', async () => {
    expect(await largestAllocation(() => new Uint8Array(1000))).toBe(1000);
    expect(await largestAllocation(() => new Float32Array(10).subarray(2))).toBe(40);
    // Copies count too: a parser that sliced its input would show.
    const input = new Uint8Array(1000);
    expect(await largestAllocation(() => input.subarray(16))).toBe(0);
    expect(await largestAllocation(() => input.slice(16))).toBe(984);
    expect(await largestAllocation(() => new Uint8Array(input))).toBe(1000);
    expect(await largestAllocation(() => input.buffer.slice(8))).toBe(992);
  });

  it('survives 6,000 generated files with only IdxError, views of the input and no big allocation', async () => {
    const rng = new Rng(2024);
    const seeds = [idxImages(0), idxImages(1), idxImages(3), idxLabels(0), idxLabels(5), idxLabels(40), idxImages(2, { rows: 27, cols: 28 })];
    const cases: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) cases.push(randomBytes(rng, rng.nextInt(48)));
    for (let i = 0; i < 3984; i++) cases.push(mutate(rng, seeds[rng.nextInt(seeds.length)]));
    // Huge declared sizes on tiny bodies: images and labels, every extreme count.
    for (const count of [0x7fffffff, 0xffffffff, 0x80000000, 5_000_000, 60_001]) {
      for (const magic of [IDX_IMAGES, IDX_LABELS]) cases.push(idxFile(magic, [count, 28, 28], new Uint8Array(rng.nextInt(64))));
    }
    // Wrong magic of other IDX kinds and of other formats (zip, gzip, PNG).
    for (const magic of [0x0804, 0x0c03, 0x0d01, 0x504b0304, 0x1f8b0800, 0x89504e47]) {
      const file = idxImages(1);
      new DataView(file.buffer).setUint32(0, magic);
      cases.push(file);
    }
    let parsed = 0;
    const started = performance.now();
    const largest = await largestAllocation(() => {
      for (const bytes of cases) {
        const { images, labels } = parseBoth(bytes);
        if (images || labels) parsed++;
      }
    });
    const elapsed = performance.now() - started;
    // 2,000 random + 3,984 mutated + 10 huge headers + 6 wrong magics.
    expect(cases.length).toBe(6000);
    // The seeds themselves parse; the parser is not just rejecting everything.
    expect(parsed).toBeGreaterThan(10);
    // Nothing is copied out of the input, let alone sized by a header.
    expect(largest).toBeLessThanOrEqual(16);
    expect(elapsed).toBeLessThan(5000);
  });

  it('pairs images and labels only when their counts agree', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 200; i++) {
      const a = rng.nextInt(4);
      const b = rng.nextInt(4);
      const images = parseIdxImages(idxImages(a), 'i');
      const labels = parseIdxLabels(idxLabels(b), 'l');
      if (a === b) expect(makeSplit(images, labels, 'i', 'l').count).toBe(a);
      else expect(() => makeSplit(images, labels, 'i', 'l')).toThrow(IdxError);
    }
  });
});
