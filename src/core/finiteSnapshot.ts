/**
 * A snapshot worth saving holds only finite numbers: a resume point with NaN or Infinity in a
 * weight or an Adam moment would fail again on every resume, so it is never written.
 */
import type { Snapshot } from './checkpointCodec';

/** The first part of `snapshot` holding a NaN or an infinity, e.g. "discriminator", or null. */
export function nonFinitePart(snapshot: Snapshot): string | null {
  const parts: [string, Float32Array[]][] = [['generator', snapshot.generator]];
  if (snapshot.kind === 'full') {
    parts.push(
      ['discriminator', snapshot.discriminator],
      ["the generator's Adam moments", [...snapshot.gOptimizer.m, ...snapshot.gOptimizer.v]],
      ["the discriminator's Adam moments", [...snapshot.dOptimizer.m, ...snapshot.dOptimizer.v]],
    );
  }
  for (const [name, arrays] of parts) {
    for (const array of arrays) {
      for (let i = 0; i < array.length; i++) {
        // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
        if (array[i] - array[i] !== 0) return name;
      }
    }
  }
  return null;
}
