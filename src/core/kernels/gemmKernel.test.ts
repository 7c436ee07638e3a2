import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { GEMM_KERNEL, PAD_ROWS_FROM, gemmTiles, hasGemm, matMul } from './gemmKernel';
import { type KernelHelper, setKernelHelpers } from './helperThreads';
import { wasmMemory } from './hostMemory';
import { GEMM_KC, type SimdKernels, instantiateSimdKernels, runGemmJob, simdKernelsFor } from './wasmSimd';

function randomValues(length: number, rng: Rng): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = rng.nextNormal();
  return values;
}

/** C = A·B + bias (A stored [k, m] when `transposeA`), as a plain loop in double precision. */
function referenceProduct(
  a: Float32Array,
  b: Float32Array,
  bias: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias[j];
      for (let p = 0; p < k; p++) sum += a[transposeA ? p * m + i : i * k + p] * b[p * n + j];
      c[i * n + j] = sum;
    }
  }
  return c;
}

function random(shape: [number, number] | [number], rng: Rng): tf.Tensor {
  return tf.tensor(randomValues(shape.reduce((x, y) => x * y, 1), rng), shape);
}

describe('SIMD gemm', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('multiplies like tf.matMul, with and without bias, on wasm', async () => {
    await tf.setBackend('wasm');
    expect(hasGemm()).toBe(true);
    const rng = new Rng(11);
    for (const [m, k, n] of [[4, 1, 8], [12, 37, 24], [128, 100, 256], [8, 300, 40], [16, 20, 1024]]) {
      const a = random([m, k], rng) as tf.Tensor2D;
      const b = random([k, n], rng) as tf.Tensor2D;
      const bias = random([n], rng) as tf.Tensor1D;
      const expected = tf.add(tf.matMul(a, b), bias);
      const profile = await tf.profile(() => matMul(a, b, { bias }));
      expect(profile.kernelNames).toEqual([GEMM_KERNEL]);
      const actual = profile.result as tf.Tensor;
      expect(actual.shape).toEqual([m, n]);
      expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-4 * Math.sqrt(k));
      expect(tf.max(tf.abs(tf.sub(matMul(a, b), tf.matMul(a, b)))).dataSync()[0]).toBeLessThan(1e-4 * Math.sqrt(k));
    }
  });

  it('multiplies by the transpose of a read in place, over blocks of rows and of k', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(15);
    // 520 rows and k = 700: three blocks of k and three of rows (256 each), with ragged ends.
    for (const [m, k, n] of [[520, 700, 24], [16, 3000, 64]]) {
      const aT = random([k, m], rng) as tf.Tensor2D;
      const b = random([k, n], rng) as tf.Tensor2D;
      const bias = random([n], rng) as tf.Tensor1D;
      const expected = tf.add(tf.matMul(aT, b, true), bias);
      const actual = matMul(aT, b, { bias, transposeA: true });
      expect(actual.shape).toEqual([m, n]);
      expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-4 * Math.sqrt(k));
      tf.dispose([aT, b, bias, expected, actual]);
    }
  });

  it('sums in blocks exactly as in one pass over k', async () => {
    await tf.setBackend('wasm');
    const memory = wasmMemory(tf.backend());
    const kernels = simdKernelsFor(memory.wasmMemory!)!;
    const rng = new Rng(16);
    const [m, k, n] = [8, 3 * GEMM_KC + 5, 16];
    const a = random([m, k], rng);
    const b = random([k, n], rng);
    const bias = random([n], rng);
    const [once, blocked, scratch] = [tf.zeros([m, n]), tf.zeros([m, n]), tf.zeros([k * 8])];
    const at = (t: tf.Tensor) => memory.view(t as unknown as tf.TensorInfo).byteOffset;
    const args = (c: tf.Tensor) => [at(a), k * 4, 4, at(b), n * 4, at(c), n * 4, at(bias), m, 0, n * 4, k, at(scratch)];
    kernels.gemm(...([...args(once), 0] as Parameters<SimdKernels['gemm']>));
    runGemmJob(kernels, args(blocked));
    expect(Array.from(blocked.dataSync())).toEqual(Array.from(once.dataSync()));
    tf.dispose([a, b, bias, once, blocked, scratch]);
  });

  it('computes the same with and without fused multiply-adds', async () => {
    await tf.setBackend('wasm');
    const memory = wasmMemory(tf.backend()).wasmMemory!;
    const rng = new Rng(14);
    const a = random([8, 50], rng) as tf.Tensor2D;
    const b = random([50, 16], rng) as tf.Tensor2D;
    const expected = tf.matMul(a, b).dataSync();
    // Node runs the tests with relaxed SIMD on (vitest.config.ts), as Chromium has it.
    for (const fma of [false, true]) {
      const kernels = instantiateSimdKernels(memory, fma);
      expect(kernels?.fma).toBe(fma);
      const out = tf.zeros([8, 16]);
      const scratch = tf.zeros([50 * 8]);
      const view = (t: tf.Tensor) => wasmMemory(tf.backend()).view(t as unknown as tf.TensorInfo).byteOffset;
      kernels!.gemm(view(a), 50 * 4, 4, view(b), 16 * 4, view(out), 16 * 4, 0, 8, 0, 64, 50, view(scratch), 0);
      const actual = out.dataSync();
      const worst = Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i])));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('splits the columns over helper threads, each with its own share and scratch', async () => {
    await tf.setBackend('wasm');
    const kernels = simdKernelsFor(wasmMemory(tf.backend()).wasmMemory!)!;
    const jobs: number[][] = [];
    // A helper that runs its share at once, here: the split and the scratch are what is tested.
    const helper: KernelHelper = {
      start(job, args) {
        expect(job).toBe('gemm');
        jobs.push(args);
        runGemmJob(kernels, args);
        return () => undefined;
      },
    };
    setKernelHelpers([helper, helper]);
    try {
      const rng = new Rng(13);
      const a = random([8, 33], rng) as tf.Tensor2D;
      const b = random([33, 56], rng) as tf.Tensor2D;
      const diff = tf.max(tf.abs(tf.sub(matMul(a, b), tf.matMul(a, b)))).dataSync()[0];
      expect(diff).toBeLessThan(1e-4);
      // 7 bands of 8 columns over 3 threads: the helpers take bands 2-3 and 4-6.
      expect(jobs.map((args) => [args[9] / 32, args[10] / 32])).toEqual([[2, 4], [4, 7]]);
    } finally {
      setKernelHelpers([]);
    }
  });

  it('pads large products whose rows alone do not tile (a joined class label) and runs them as the gemm', async () => {
    await tf.setBackend('wasm');
    for (const [m, k, n] of [[794, 24, 32], [110, 64, 256], [PAD_ROWS_FROM + 1, 7, 8]]) {
      expect(gemmTiles(m, n)).toBe(false);
      for (const transposeA of [false, true]) {
        const rng = new Rng(m + k);
        const a = randomValues(m * k, rng);
        const b = randomValues(k * n, rng);
        const bias = randomValues(n, rng);
        const expected = referenceProduct(a, b, bias, m, k, n, transposeA);
        const tensors = [tf.tensor2d(a, transposeA ? [k, m] : [m, k]), tf.tensor2d(b, [k, n]), tf.tensor1d(bias)] as const;
        const before = tf.memory().numTensors;
        const profile = await tf.profile(() => matMul(tensors[0], tensors[1], { bias: tensors[2], transposeA }));
        const what = `${m}x${k}x${n}${transposeA ? ' (aᵀ)' : ''}`;
        expect(profile.kernelNames, what).toContain(GEMM_KERNEL);
        expect(profile.kernelNames, what).not.toContain('BatchMatMul');
        const result = profile.result as tf.Tensor;
        expect(result.shape, what).toEqual([m, n]);
        const actual = result.dataSync();
        const worst = Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i])));
        expect(worst, what).toBeLessThan(1e-5 * Math.sqrt(k));
        // Only the result outlives the call: the padded copy and the padded product are gone.
        expect(tf.memory().numTensors, what).toBe(before + 1);
        tf.dispose([...tensors, result]);
      }
    }
  });

  it('falls back to tf.matMul for shapes it does not tile, and on cpu, with bias and aᵀ', async () => {
    const cases: [string, number, number, number][] = [
      ['wasm', 6, 5, 8], // rows not a multiple of 4
      ['wasm', 4, 9, 12], // columns not a multiple of 8
      ['wasm', 6, 5, 3],
      ['cpu', 6, 5, 3],
      ['cpu', 8, 20, 16], // would tile on wasm
    ];
    for (const [backend, m, k, n] of cases) {
      await tf.setBackend(backend);
      expect(gemmTiles(m, n)).toBe(false);
      for (const transposeA of [false, true]) {
        const rng = new Rng(12);
        const a = randomValues(transposeA ? k * m : m * k, rng);
        const b = randomValues(k * n, rng);
        const bias = randomValues(n, rng);
        const expected = referenceProduct(a, b, bias, m, k, n, transposeA);
        const tensors = [tf.tensor2d(a, transposeA ? [k, m] : [m, k]), tf.tensor2d(b, [k, n]), tf.tensor1d(bias)] as const;
        const profile = await tf.profile(() => matMul(tensors[0], tensors[1], { bias: tensors[2], transposeA }));
        const what = `${backend} ${m}x${k}x${n}${transposeA ? ' (aᵀ)' : ''}`;
        // The fallback ran: tfjs' own matMul, not this module's kernel.
        expect(profile.kernelNames, what).toContain('BatchMatMul');
        expect(profile.kernelNames, what).not.toContain(GEMM_KERNEL);
        const actual = (profile.result as tf.Tensor).dataSync();
        expect(actual.length, what).toBe(m * n);
        const worst = Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i])));
        expect(worst, what).toBeLessThan(1e-5 * Math.sqrt(k));
        tf.dispose([...tensors, profile.result as tf.Tensor]);
      }
    }
  });
});
