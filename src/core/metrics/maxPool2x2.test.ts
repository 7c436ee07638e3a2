import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { maxPool2x2 } from './maxPool2x2';

/** Max-pool 2x2 'valid' and its gradient by plain loops: each window's first largest input. */
function reference(x: Float32Array, upstream: Float32Array, [batch, height, width, channels]: number[]) {
  const pooled = new Float32Array(upstream.length);
  const dx = new Float32Array(x.length);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < height >> 1; p++) {
      for (let q = 0; q < width >> 1; q++) {
        for (let c = 0; c < channels; c++, o++) {
          let best = -1;
          for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
            const at = ((n * height + 2 * p + i) * width + 2 * q + j) * channels + c;
            if (best < 0 || x[at] > x[best]) best = at;
          }
          pooled[o] = x[best];
          dx[best] += upstream[o];
        }
      }
    }
  }
  return { pooled, dx };
}

describe('maxPool2x2', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`pools and differentiates like a plain loop on ${backend}, negative values and odd sizes included`, async () => {
      await tf.setBackend(backend);
      const rng = new Rng(11);
      for (const shape of [[3, 11, 11, 5], [2, 26, 26, 4], [1, 4, 6, 3]]) {
        const values = rng.fillUniform(new Float32Array(shape.reduce((p, s) => p * s, 1)), -1, 1);
        const upstreamShape = [shape[0], shape[1] >> 1, shape[2] >> 1, shape[3]];
        const upstream = rng.fillNormal(new Float32Array(upstreamShape.reduce((p, s) => p * s, 1)));
        const expected = reference(values, upstream, shape);
        const x = tf.tensor4d(values, shape as [number, number, number, number]);
        const up = tf.tensor(upstream, upstreamShape);
        const { value, grads } = tf.valueAndGrads((v: tf.Tensor) => tf.sum(tf.mul(maxPool2x2(v as tf.Tensor4D), up)))([x]);
        expect(maxPool2x2(x).dataSync()).toEqual(expected.pooled);
        expect(grads[0].dataSync()).toEqual(expected.dx);
        tf.dispose([x, up, value, ...grads]);
      }
    });
  }
});
