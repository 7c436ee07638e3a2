/**
 * Thousands of generated zips (truncated, bits flipped, size fields overwritten, random bytes):
 * the zip reader either returns pictures or throws DatasetError naming the file, never anything
 * else, never allocates beyond the limit on unpacked bytes, and never hangs.
 */
// First: the watch must be in place before fflate keeps a typed-array constructor of its own.
import { largestAllocation } from '../../testing/allocationWatch';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { mutate, randomBytes } from '../../testing/fuzzSupport';
import { Rng } from '../rng';
import { DatasetError } from './idxDataset';
import { picturesInZip } from './pictureDataset';

const LIMITS = { maxFileBytes: 1 << 20, maxUnpackedBytes: 128 * 1024, maxPictures: 50, maxSide: 64 };

describe('picture zip reader fuzz', () => {
  it('survives 3,000 generated zips with only DatasetError and bounded allocations', async () => {
    const rng = new Rng(40);
    const seeds = [
      zipSync({ 'a/1.png': randomBytes(rng, 300), 'b/2.jpg': randomBytes(rng, 200) }),
      zipSync({ 'x.png': new Uint8Array(4000) }, { level: 9 }),
      zipSync({ 'd/e/f.png': randomBytes(rng, 50), 'notes.txt': randomBytes(rng, 20) }, { level: 0 }),
    ];
    const cases: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) cases.push(randomBytes(rng, rng.nextInt(80)));
    for (let i = 0; i < 2500; i++) cases.push(mutate(rng, seeds[rng.nextInt(seeds.length)]));
    const outcomes = { read: 0, refused: 0 };
    const started = performance.now();
    const largest = await largestAllocation(() => {
      cases.forEach((bytes, i) => {
        try {
          const pictures = picturesInZip(`case-${i}.zip`, bytes, LIMITS);
          expect(pictures.length).toBeGreaterThan(0);
          outcomes.read += 1;
        } catch (error) {
          if (!(error instanceof DatasetError)) throw new Error(`case ${i}: ${String(error)}`);
          expect(error.message).toContain(`case-${i}.zip`);
          outcomes.refused += 1;
        }
      });
    });
    expect(outcomes.read).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(1500);
    expect(largest).toBeLessThanOrEqual(LIMITS.maxUnpackedBytes + 64 * 1024);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
