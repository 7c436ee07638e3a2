import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { type GemmHelper, hasGemm, matMul, setGemmHelpers } from './gemmKernel';
import { wasmMemory } from './hostMemory';
import { instantiateSimdKernels, simdKernelsFor } from './wasmSimd';

function random(shape: [number, number] | [number], rng: Rng): tf.Tensor {
  const values = new Float32Array(shape.reduce((x, y) => x * y, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.nextNormal();
  return tf.tensor(values, shape);
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
      const actual = matMul(a, b, bias);
      expect(actual.shape).toEqual([m, n]);
      expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-4 * Math.sqrt(k));
      expect(tf.max(tf.abs(tf.sub(matMul(a, b), tf.matMul(a, b)))).dataSync()[0]).toBeLessThan(1e-4 * Math.sqrt(k));
    }
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
      kernels!.gemm(view(a), 50 * 4, 4, view(b), 16 * 4, view(out), 16 * 4, 0, 8, 0, 64, 50, view(scratch));
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
    const helper: GemmHelper = {
      start(args) {
        jobs.push(args);
        kernels.gemm(...(args as Parameters<typeof kernels.gemm>));
        return () => undefined;
      },
    };
    setGemmHelpers([helper, helper]);
    try {
      const rng = new Rng(13);
      const a = random([8, 33], rng) as tf.Tensor2D;
      const b = random([33, 56], rng) as tf.Tensor2D;
      const diff = tf.max(tf.abs(tf.sub(matMul(a, b), tf.matMul(a, b)))).dataSync()[0];
      expect(diff).toBeLessThan(1e-4);
      // 7 bands of 8 columns over 3 threads: the helpers take bands 2-3 and 4-6.
      expect(jobs.map((args) => [args[9] / 32, args[10] / 32])).toEqual([[2, 4], [4, 7]]);
    } finally {
      setGemmHelpers([]);
    }
  });

  it('falls back to tf.matMul for shapes it does not tile, and on cpu', async () => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const rng = new Rng(12);
      const a = random([6, 5], rng) as tf.Tensor2D;
      const b = random([5, 3], rng) as tf.Tensor2D;
      const diff = tf.max(tf.abs(tf.sub(matMul(a, b), tf.matMul(a, b)))).dataSync()[0];
      expect(diff).toBeLessThan(1e-5);
    }
  });
});
