import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { NetworkSpec } from './architecture';
import { denseBlock, forward, tanh } from './network';
import { Rng } from './rng';

function random(shape: [number, number] | [number], rng: Rng, scale = 1): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.nextNormal() * scale;
  return tf.tensor(values, shape);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('denseBlock', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm']) {
    for (const variant of [
      { alpha: 0.2, withMask: true },
      { alpha: 0.2, withMask: false },
      { alpha: null, withMask: false },
    ]) {
      it(`matches tfjs autodiff on ${backend} (alpha ${variant.alpha}, mask ${variant.withMask})`, async () => {
        await tf.setBackend(backend);
        const rng = new Rng(17);
        const x = random([6, 5], rng) as tf.Tensor2D;
        const w = random([5, 4], rng) as tf.Tensor2D;
        const b = random([4], rng, 0.5) as tf.Tensor1D;
        const weightsOut = random([6, 4], rng);
        const mask = variant.withMask
          ? (tf.tensor2d(
              Array.from({ length: 24 }, () => (rng.nextFloat() < 0.3 ? 0 : 1 / 0.7)),
              [6, 4],
            ) as tf.Tensor2D)
          : null;
        const reference = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => {
          let h = tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi);
          if (variant.alpha !== null) h = tf.leakyRelu(h, variant.alpha);
          if (mask) h = tf.mul(h, mask);
          return tf.sum(tf.mul(h, weightsOut));
        };
        const ours = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(
            tf.mul(
              denseBlock(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, {
                alpha: variant.alpha,
                mask,
                xNeedsGrad: true,
                paramsNeedGrad: true,
              }),
              weightsOut,
            ),
          );
        const expected = tf.valueAndGrads(reference)([x, w, b]);
        const actual = tf.valueAndGrads(ours)([x, w, b]);
        expect(maxDiff(actual.value, expected.value)).toBeLessThan(1e-4);
        actual.grads.forEach((grad, i) => {
          expect(grad.shape).toEqual(expected.grads[i].shape);
          expect(maxDiff(grad, expected.grads[i])).toBeLessThan(1e-4);
        });
        // Only the gradients asked for: data in, or fixed parameters.
        const onData = tf.grads((wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(denseBlock(x, wi as tf.Tensor2D, bi as tf.Tensor1D, {
            alpha: variant.alpha, mask, xNeedsGrad: false, paramsNeedGrad: true,
          })),
        )([w, b]);
        expect(onData.map((g) => g.shape)).toEqual([[5, 4], [4]]);
        const fixed = tf.grad((xi: tf.Tensor) =>
          tf.sum(tf.mul(denseBlock(xi as tf.Tensor2D, w, b, {
            alpha: variant.alpha, mask, xNeedsGrad: true, paramsNeedGrad: false,
          }), weightsOut)),
        )(x);
        expect(maxDiff(fixed, expected.grads[0])).toBeLessThan(1e-4);
      });
    }
  }

  // Three blocks in a chain hand their gradients on transposed (on wasm and cpu); the result
  // must still be the plain chain rule, for the input and for every parameter.
  const CHAIN: NetworkSpec = {
    name: 'chain',
    inputSize: 7,
    layers: [
      { kind: 'dense', units: 6 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'dropout', rate: 0.3 },
      { kind: 'dense', units: 5 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'dense', units: 3 },
      { kind: 'tanh' },
    ],
  };
  for (const backend of ['cpu', 'wasm']) {
    for (const paramsNeedGrad of [true, false]) {
      it(`a chain of blocks gives autodiff's gradients on ${backend} (params ${paramsNeedGrad ? 'learn' : 'fixed'})`, async () => {
        await tf.setBackend(backend);
        const rng = new Rng(23);
        const x = random([4, 7], rng) as tf.Tensor2D;
        const params = [random([7, 6], rng), random([6], rng, 0.5), random([6, 5], rng), random([5], rng, 0.5), random([5, 3], rng), random([3], rng, 0.5)];
        const mask = tf.tensor2d(Array.from({ length: 24 }, () => (rng.nextFloat() < 0.3 ? 0 : 1 / 0.7)), [4, 6]);
        const weightsOut = random([4, 3], rng);
        const reference = (xi: tf.Tensor, ...p: tf.Tensor[]) => {
          let h = tf.mul(tf.leakyRelu(tf.add(tf.matMul(xi as tf.Tensor2D, p[0] as tf.Tensor2D), p[1]), 0.2), mask);
          h = tf.leakyRelu(tf.add(tf.matMul(h as tf.Tensor2D, p[2] as tf.Tensor2D), p[3]), 0.2);
          h = tf.tanh(tf.add(tf.matMul(h as tf.Tensor2D, p[4] as tf.Tensor2D), p[5]));
          return tf.sum(tf.mul(h, weightsOut));
        };
        const ours = (xi: tf.Tensor, ...p: tf.Tensor[]) =>
          tf.sum(tf.mul(forward(CHAIN, p, xi as tf.Tensor2D, { dropoutMasks: [mask as tf.Tensor2D], inputNeedsGrad: true, paramsNeedGrad }), weightsOut));
        const expected = tf.grads(reference)([x, ...params]);
        if (paramsNeedGrad) {
          const actual = tf.grads(ours)([x, ...params]);
          actual.forEach((grad, i) => {
            expect(grad.shape).toEqual(expected[i].shape);
            expect(maxDiff(grad, expected[i])).toBeLessThan(1e-4);
          });
        } else {
          const actual = tf.grad((xi: tf.Tensor) => ours(xi, ...params))(x);
          expect(actual.shape).toEqual([4, 7]);
          expect(maxDiff(actual, expected[0])).toBeLessThan(1e-4);
        }
      });
    }
  }

  for (const backend of ['cpu', 'wasm']) {
    it(`tanh from the sigmoid matches tf.tanh and its gradient on ${backend}`, async () => {
      await tf.setBackend(backend);
      const x = tf.tensor2d([-20, -3, -0.5, -1e-3, 0, 1e-3, 0.25, 0.5, 2, 20], [2, 5]);
      const weightsOut = random([2, 5], new Rng(3));
      expect(maxDiff(tanh(x), tf.tanh(x))).toBeLessThan(2e-7);
      const ours = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tanh(xi as tf.Tensor2D), weightsOut)))(x);
      const theirs = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.tanh(xi), weightsOut)))(x);
      expect(maxDiff(ours, theirs)).toBeLessThan(1e-6);
    });
  }
});
