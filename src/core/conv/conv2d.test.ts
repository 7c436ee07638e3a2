import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { gemmTiles } from '../kernels/gemmKernel';
import { Rng } from '../rng';
import { type ConvMethod, type Padding, conv2d, conv2dTranspose } from './conv2d';

function random(shape: number[], rng: Rng): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.nextNormal();
  return tf.tensor(values, shape);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

interface Case {
  input: [number, number, number, number];
  kernel: number;
  filters: number;
  stride: number;
  padding: Padding;
}

const CONV_CASES: Case[] = [
  { input: [2, 7, 7, 3], kernel: 3, filters: 4, stride: 1, padding: 'same' },
  { input: [2, 8, 8, 2], kernel: 5, filters: 3, stride: 2, padding: 'same' },
  { input: [1, 9, 7, 2], kernel: 4, filters: 3, stride: 2, padding: 'same' },
  { input: [2, 7, 7, 1], kernel: 4, filters: 2, stride: 2, padding: 'same' },
  { input: [2, 9, 9, 2], kernel: 3, filters: 2, stride: 2, padding: 'valid' },
  { input: [1, 8, 8, 2], kernel: 3, filters: 2, stride: 1, padding: 'valid' },
];

const TRANSPOSE_CASES: Case[] = [
  { input: [2, 4, 4, 3], kernel: 4, filters: 2, stride: 2, padding: 'same' },
  { input: [2, 3, 3, 2], kernel: 5, filters: 3, stride: 2, padding: 'same' },
  { input: [1, 5, 5, 2], kernel: 3, filters: 2, stride: 1, padding: 'same' },
  { input: [2, 3, 3, 2], kernel: 3, filters: 2, stride: 2, padding: 'valid' },
];

const METHODS: ConvMethod[] = ['im2col', 'conv2d'];

function describeCase(c: Case): string {
  return `${c.input.join('x')} k${c.kernel} s${c.stride} ${c.padding} → ${c.filters}`;
}

describe('conv2d', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [c, method] of CONV_CASES.flatMap((c) => METHODS.map((m) => [c, m] as const))) {
    it(`matches tf.conv2d and its autodiff on cpu, by ${method} (${describeCase(c)})`, async () => {
      await tf.setBackend('cpu');
      const rng = new Rng(5);
      const x = random(c.input, rng) as tf.Tensor4D;
      const w = random([c.kernel, c.kernel, c.input[3], c.filters], rng) as tf.Tensor4D;
      const reference = tf.conv2d(x, w, c.stride, c.padding);
      const ours = conv2d(x, w, { stride: c.stride, padding: c.padding, xNeedsGrad: true, method });
      expect(ours.shape).toEqual(reference.shape);
      expect(maxDiff(ours, reference)).toBeLessThanOrEqual(1e-4);
      const weightsOut = random(reference.shape, rng);
      const expected = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.padding), weightsOut)),
      )([x, w]);
      const actual = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride: c.stride, padding: c.padding, xNeedsGrad: true, method }), weightsOut)),
      )([x, w]);
      expect(maxDiff(actual[0], expected[0])).toBeLessThanOrEqual(1e-4);
      expect(maxDiff(actual[1], expected[1])).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, w, reference, ours, weightsOut, ...expected, ...actual]);
    });
  }

  for (const [c, method] of TRANSPOSE_CASES.flatMap((c) => METHODS.map((m) => [c, m] as const))) {
    it(`conv2dTranspose matches tf.conv2dTranspose and its autodiff on cpu, by ${method} (${describeCase(c)})`, async () => {
      await tf.setBackend('cpu');
      const rng = new Rng(6);
      const [n, h, wd] = c.input;
      const outH = c.padding === 'same' ? h * c.stride : (h - 1) * c.stride + c.kernel;
      const outW = c.padding === 'same' ? wd * c.stride : (wd - 1) * c.stride + c.kernel;
      const outShape: [number, number, number, number] = [n, outH, outW, c.filters];
      const x = random(c.input, rng) as tf.Tensor4D;
      const w = random([c.kernel, c.kernel, c.filters, c.input[3]], rng) as tf.Tensor4D;
      const reference = tf.conv2dTranspose(x, w, outShape, c.stride, c.padding);
      const ours = conv2dTranspose(x, w, { stride: c.stride, padding: c.padding, xNeedsGrad: true, method });
      expect(ours.shape).toEqual(outShape);
      expect(maxDiff(ours, reference)).toBeLessThanOrEqual(1e-4);
      const weightsOut = random(outShape, rng);
      const expected = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, c.stride, c.padding), weightsOut)),
      )([x, w]);
      const actual = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, { stride: c.stride, padding: c.padding, xNeedsGrad: true, method }), weightsOut)),
      )([x, w]);
      expect(maxDiff(actual[0], expected[0])).toBeLessThanOrEqual(1e-4);
      expect(maxDiff(actual[1], expected[1])).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, w, reference, ours, weightsOut, ...expected, ...actual]);
    });
  }

  it('skips the gradients nobody asked for', async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(8);
    const x = random([1, 6, 6, 2], rng) as tf.Tensor4D;
    const w = random([3, 3, 2, 2], rng) as tf.Tensor4D;
    const [dw] = tf.grads((b: tf.Tensor) => tf.sum(conv2d(x, b as tf.Tensor4D, { stride: 2, padding: 'same' })))([w]);
    const [dwRef] = tf.grads((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 2, 'same')))([w]);
    expect(maxDiff(dw, dwRef)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, w, dw, dwRef]);
  });

  it('trains forward and backward on wasm, where tf.conv2d has no filter gradient, on the SIMD gemm', async () => {
    await tf.setBackend('wasm');
    // Every product here tiles (rows a multiple of 4, columns of 8), so all run as the gemm.
    expect(gemmTiles(2 * 4 * 4, 8) && gemmTiles(4 * 4 * 3, 8) && gemmTiles(2 * 4 * 4, 4 * 4 * 2)).toBe(true);
    const rng = new Rng(9);
    const x = random([2, 8, 8, 3], rng) as tf.Tensor4D;
    const w1 = random([4, 4, 3, 8], rng) as tf.Tensor4D;
    const w2 = random([4, 4, 2, 8], rng) as tf.Tensor4D;
    const loss = (a: tf.Tensor, b: tf.Tensor) => {
      const h = conv2d(x, a as tf.Tensor4D, { stride: 2, padding: 'same' });
      return tf.sum(tf.square(conv2dTranspose(h, b as tf.Tensor4D, { stride: 2, padding: 'same', xNeedsGrad: true })));
    };
    const { value, grads } = tf.valueAndGrads(loss)([w1, w2]);
    const onWasm = { value: value.dataSync()[0], g: grads.map((g) => g.dataSync()) };
    tf.dispose([value, ...grads]);
    const snap = [x, w1, w2].map((t) => ({ v: t.dataSync(), s: t.shape }));
    await tf.setBackend('cpu');
    const [xc, a, b] = snap.map(({ v, s }) => tf.tensor(v, s));
    const reference = tf.valueAndGrads((p: tf.Tensor, q: tf.Tensor) => {
      const h = tf.conv2d(xc as tf.Tensor4D, p as tf.Tensor4D, 2, 'same');
      return tf.sum(tf.square(tf.conv2dTranspose(h, q as tf.Tensor4D, [2, 8, 8, 2], 2, 'same')));
    })([a, b]);
    expect(Math.abs(onWasm.value - reference.value.dataSync()[0]) / Math.abs(onWasm.value)).toBeLessThan(1e-5);
    reference.grads.forEach((g, i) => {
      const expected = g.dataSync();
      const scale = Math.max(...Array.from(expected, Math.abs));
      const worst = Math.max(...Array.from(expected, (e, j) => Math.abs(e - onWasm.g[i][j])));
      expect(worst / scale).toBeLessThan(1e-5);
    });
    tf.dispose([xc, a, b, reference.value, ...reference.grads]);
  });
});
