import { describe, expect, it } from 'vitest';
import { Rng, Stream, hashSeed } from './rng';

describe('Rng', () => {
  it('is a pure function of (seed, step, stream)', () => {
    const a = Rng.forStep(42, 1000, Stream.noiseD).fillNormal(new Float32Array(64));
    const b = Rng.forStep(42, 1000, Stream.noiseD).fillNormal(new Float32Array(64));
    const c = Rng.forStep(42, 1001, Stream.noiseD).fillNormal(new Float32Array(64));
    const d = Rng.forStep(42, 1000, Stream.noiseG).fillNormal(new Float32Array(64));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(d).not.toEqual(a);
    expect(hashSeed(1, 2 ** 33)).not.toBe(hashSeed(1, 0));
  });

  it('draws standard normals and uniform integers', () => {
    const values = new Rng(7).fillNormal(new Float32Array(200_000));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const rng = new Rng(8);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.nextInt(10)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('makes inverted-dropout masks at the requested rate, odd lengths included', () => {
    const mask = new Rng(9).fillDropoutMask(new Float32Array(100_001), 0.3);
    const zeros = mask.filter((v) => v === 0).length;
    expect(Math.abs(zeros / mask.length - 0.3)).toBeLessThan(0.01);
    expect(new Set(mask)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
    // The mean is preserved: E[mask] = 1, as Keras' Dropout keeps the expected activation.
    expect(Math.abs(mask.reduce((s, v) => s + v, 0) / mask.length - 1)).toBeLessThan(0.02);
  });

  it('draws dropout masks from the same 32-bit stream as nextUint32, two entries per draw', () => {
    const fast = new Rng(99);
    const slow = new Rng(99);
    const mask = fast.fillDropoutMask(new Float32Array(1001), 0.3);
    const expected = new Float32Array(1001);
    const threshold = Math.round(0.3 * 65536);
    for (let i = 0; i < 1000; i += 2) {
      const bits = slow.nextUint32();
      expected[i] = (bits & 0xffff) < threshold ? 0 : 1 / 0.7;
      expected[i + 1] = bits >>> 16 < threshold ? 0 : 1 / 0.7;
    }
    expected[1000] = (slow.nextUint32() & 0xffff) < threshold ? 0 : 1 / 0.7;
    expect(Array.from(mask)).toEqual(Array.from(expected));
    // The generators are left in the same state.
    expect(fast.nextUint32()).toBe(slow.nextUint32());
    const dropped = mask.filter((value) => value === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.25);
    expect(dropped).toBeLessThan(0.35);
  });
});
