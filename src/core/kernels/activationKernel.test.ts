import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { hasActivationKernel, leakyDropout } from './activationKernel';

describe('LeakyReLU + dropout kernel', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`equals tf.leakyRelu times the mask on ${backend}, tail included`, async () => {
      await tf.setBackend(backend);
      expect(hasActivationKernel()).toBe(true);
      const rng = new Rng(5);
      // 3 × 7 = 21 values: five SIMD groups of four and a tail of one.
      const z = tf.tensor2d(Array.from({ length: 21 }, () => rng.nextNormal()), [3, 7]);
      const mask = tf.tensor2d(Array.from({ length: 21 }, () => (rng.nextFloat() < 0.3 ? 0 : 1 / 0.7)), [3, 7]);
      const cases: [number | null, tf.Tensor2D | null, tf.Tensor][] = [
        [0.2, mask, tf.mul(tf.leakyRelu(z, 0.2), mask)],
        [0.2, null, tf.leakyRelu(z, 0.2)],
        [null, mask, tf.mul(z, mask)],
      ];
      for (const [alpha, m, expected] of cases) {
        const actual = leakyDropout(z, alpha, m);
        expect(actual.shape).toEqual([3, 7]);
        const diff = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0];
        expect(diff).toBeLessThan(1e-6);
      }
    });
  }
});
