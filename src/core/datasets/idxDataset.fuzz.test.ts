/**
 * Thousands of generated dataset files (random bytes, truncations, flipped bits, huge declared
 * counts, gzip streams damaged or unpacking past the limit): the reader either returns a dataset
 * or throws DatasetError naming the file, never anything else, never allocates beyond the
 * input's size or the unpacked limit, and never hangs.
 */
// First: the watch must be in place before fflate keeps a typed-array constructor of its own.
import { largestAllocation } from '../../testing/allocationWatch';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { mutate, randomBytes } from '../../testing/fuzzSupport';
import { chosenFile, idxImages, idxLabels } from '../../testing/idxFixtures';
import { Rng } from '../rng';
import { DatasetError, readIdxDataset } from './idxDataset';

const LIMITS = { maxFileBytes: 1 << 20, maxUnpackedBytes: 256 * 1024 };

async function outcome(bytes: Uint8Array, name: string): Promise<'read' | 'refused'> {
  try {
    const dataset = await readIdxDataset([chosenFile(name, bytes)], LIMITS);
    expect(dataset.train.pixels.length).toBe(dataset.train.count * 784);
    expect(dataset.test.count).toBeGreaterThan(0);
    return 'read';
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    expect(error.message).toContain(name);
    return 'refused';
  }
}

describe('IDX dataset reader fuzz', () => {
  it('survives 3,000 generated files, raw and gzip, with only DatasetError and bounded allocations', async () => {
    const rng = new Rng(16);
    const seeds = [idxImages(2), idxImages(5), idxLabels(5), idxImages(3, { rows: 27 })];
    const gzSeeds = seeds.map((s) => gzipSync(s));
    const cases: { name: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < 600; i++) cases.push({ name: `random-${i}`, bytes: randomBytes(rng, rng.nextInt(64)) });
    for (let i = 0; i < 1200; i++) cases.push({ name: `raw-${i}-idx3`, bytes: mutate(rng, seeds[rng.nextInt(seeds.length)]) });
    for (let i = 0; i < 1196; i++) cases.push({ name: `gz-${i}.gz`, bytes: mutate(rng, gzSeeds[rng.nextInt(gzSeeds.length)]) });
    // Tiny gzip streams that unpack far past the limit, and one that fits it exactly.
    for (const size of [LIMITS.maxUnpackedBytes + 1, 4 << 20, 16 << 20]) cases.push({ name: `bomb-${size}.gz`, bytes: gzipSync(new Uint8Array(size)) });
    cases.push({ name: 'fits.gz', bytes: gzipSync(idxImages(300)) });
    const outcomes = { read: 0, refused: 0 };
    const started = performance.now();
    const largest = await largestAllocation(async () => {
      for (const { name, bytes } of cases) outcomes[await outcome(bytes, name)] += 1;
    });
    expect(cases.length).toBe(3000);
    // The seeds themselves read; the reader is not just refusing everything.
    expect(outcomes.read).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(2000);
    // Nothing sized by a header: at most the unpacked limit, plus what one slice of input unpacks to.
    expect(largest).toBeLessThanOrEqual(LIMITS.maxUnpackedBytes + 1024 * 1024);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
