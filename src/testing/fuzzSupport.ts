/**
 * Tools for the fuzz tests of the parsers that read untrusted bytes: seeded mutations of valid
 * inputs (the watch on what they allocate is allocationWatch.ts, beside this file). Test support only.
 */
import { Rng } from '../core/rng';

export function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextUint32() & 0xff;
  return out;
}

/** One seeded mutation of `valid`: truncated, bytes flipped, a 32-bit field overwritten, or extended. */
export function mutate(rng: Rng, valid: Uint8Array): Uint8Array {
  const choice = rng.nextInt(5);
  if (choice === 0) return valid.slice(0, rng.nextInt(valid.length + 1));
  const out = valid.slice();
  if (choice === 1) {
    for (let flips = 1 + rng.nextInt(8); flips > 0 && out.length > 0; flips--) {
      out[rng.nextInt(out.length)] ^= 1 << rng.nextInt(8);
    }
    return out;
  }
  if (choice === 2 && out.length >= 4) {
    // A size or magic field: extreme values most of the time.
    const at = rng.nextInt(Math.min(out.length, 64) - 3);
    const extremes = [0, 1, 0x7fffffff, 0xffffffff, 0x80000000, rng.nextUint32()];
    new DataView(out.buffer).setUint32(at, extremes[rng.nextInt(extremes.length)], rng.nextInt(2) === 0);
    return out;
  }
  if (choice === 3) {
    const extended = new Uint8Array(out.length + 1 + rng.nextInt(64));
    extended.set(out);
    extended.set(randomBytes(rng, extended.length - out.length), out.length);
    return extended;
  }
  return randomBytes(rng, rng.nextInt(Math.max(2, valid.length * 2)));
}
