/**
 * Tools for the fuzz tests of the parsers that read untrusted bytes: seeded mutations of valid
 * inputs, and a watch on the typed arrays the code under test allocates. Test support only.
 */
import { Rng } from './rng';

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

const TYPED = ['ArrayBuffer', 'SharedArrayBuffer', 'Uint8Array', 'Uint8ClampedArray', 'Int32Array', 'Float32Array', 'Float64Array'] as const;

/**
 * Runs `act` with the global typed-array constructors watched, and returns the largest number of
 * bytes any single `new X(length)` asked for during it (views over existing buffers allocate
 * nothing and do not count). Code that captured a constructor before the watch is not seen.
 * Allocations above `refuseAbove` bytes throw a RangeError instead of being made.
 */
export async function largestAllocation(act: () => unknown, refuseAbove = Infinity): Promise<number> {
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved = TYPED.map((name) => [name, globals[name]] as const);
  let largest = 0;
  for (const [name, ctor] of saved) {
    if (typeof ctor !== 'function') continue;
    const bytesPer = name.endsWith('Buffer') ? 1 : (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    globals[name] = new Proxy(ctor, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number') {
          largest = Math.max(largest, args[0] * bytesPer);
          // Recorded, not made: a fuzz case must not take the test machine's memory.
          if (args[0] * bytesPer > refuseAbove) throw new RangeError(`Refused to allocate ${args[0] * bytesPer} bytes.`);
        }
        return Reflect.construct(target, args, newTarget === globals[name] ? target : newTarget);
      },
    });
  }
  try {
    await act();
  } finally {
    for (const [name, ctor] of saved) globals[name] = ctor;
  }
  return largest;
}
