/**
 * A small counter-keyed random number generator. Every random draw of a run comes from
 * a stream keyed by (run seed, step, purpose), so a run resumed at step N draws exactly what
 * an uninterrupted run would have drawn, with no generator state to save.
 */

/** Streams of randomness used by training; each step draws from its own instance of each. */
export const Stream = {
  init: 1,
  fixedNoise: 2,
  realIndices: 3,
  noiseD: 4,
  dropoutD: 5,
  noiseG: 6,
  dropoutG: 7,
  sample: 8,
  instanceNoiseD: 9,
  instanceNoiseG: 10,
  labelsD: 11,
  labelsG: 12,
} as const;

function mix32(x: number): number {
  // splitmix32 finaliser
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Combines integers into one well-mixed 32-bit seed. */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Split numbers beyond 32 bits (steps of long runs) into two words.
    const lo = part >>> 0;
    const hi = Math.floor(part / 2 ** 32) >>> 0;
    h = mix32(h ^ lo) + 0x6d2b79f5;
    h = mix32(h ^ hi);
  }
  return h >>> 0;
}

/** xoshiro128** seeded through splitmix32. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The generator for one purpose at one step of a run. */
  static forStep(runSeed: number, step: number, stream: number): Rng {
    return new Rng(hashSeed(runSeed, step, stream));
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 bits, exactly representable in float32. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    // Lemire's multiply-shift; the bias is below 2^-32 * n, negligible for dataset sizes.
    return Math.floor((this.nextUint32() / 4294967296) * n);
  }

  /** Standard normal (Box-Muller). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.nextNormal();
    return out;
  }

  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.nextFloat();
    return out;
  }

  /**
   * An inverted-dropout mask: each entry is 0 with probability `rate` (to 16 bits), else
   * 1 / (1 - rate), as Keras' Dropout layer scales at training time. Each 32-bit draw decides
   * two entries: the masks are most of a step's random numbers.
   */
  fillDropoutMask(out: Float32Array, rate: number): Float32Array {
    const keep = 1 / (1 - rate);
    const threshold = Math.round(rate * 65536);
    const pairs = out.length >> 1;
    // nextUint32 inlined over local state: this loop draws most of a step's random numbers.
    let { a, b, c, d } = this;
    for (let i = 0; i < pairs; i++) {
      const bits = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      out[2 * i] = (bits & 0xffff) < threshold ? 0 : keep;
      out[2 * i + 1] = bits >>> 16 < threshold ? 0 : keep;
    }
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
    if (out.length & 1) out[out.length - 1] = (this.nextUint32() & 0xffff) < threshold ? 0 : keep;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
