import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { KerasAdam } from '../adam';
import { Rng } from '../rng';
import { hasFusedAdam } from './adamKernel';
import { wasmMemory } from './hostMemory';
import { simdKernelsFor } from './wasmSimd';

/** The Keras formula in float64, the reference both paths must match. */
function reference(w: number[], grads: number[][], lr: number): number[] {
  const [b1, b2, eps] = [0.5, 0.999, 1e-7];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  const out = [...w];
  grads.forEach((g, step) => {
    const t = step + 1;
    const size = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < out.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      out[i] -= (size * m[i]) / (Math.sqrt(v[i]) + eps);
    }
  });
  return out;
}

async function run(backend: string, w: number[], grads: number[][], lr: number) {
  await tf.setBackend(backend);
  const param = tf.variable(tf.tensor1d(w));
  const adam = new KerasAdam([param], { beta1: 0.5, beta2: 0.999, epsilon: 1e-7 }, lr);
  const before = tf.memory().numTensors;
  for (const g of grads) {
    const grad = tf.tensor1d(g);
    adam.apply([grad]);
    grad.dispose();
  }
  const leaked = tf.memory().numTensors - before;
  const result = { fused: hasFusedAdam(), values: Array.from(await param.data()), leaked };
  adam.dispose();
  param.dispose();
  return result;
}

describe('Adam update', () => {
  const rng = new Rng(4);
  const w = Array.from({ length: 257 }, () => rng.nextNormal());
  const grads = Array.from({ length: 5 }, () => w.map(() => rng.nextNormal() * 0.1));
  const expected = reference(w, grads, 0.01);

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`matches the Keras formula on ${backend} through the fused kernel, without leaking`, async () => {
      const { fused, values, leaked } = await run(backend, w, grads, 0.01);
      expect(fused).toBe(true);
      expect(leaked).toBe(0);
      const worst = Math.max(...values.map((value, i) => Math.abs(value - expected[i])));
      expect(worst).toBeLessThan(1e-5);
      // It moved: the update is not a no-op.
      expect(Math.max(...values.map((value, i) => Math.abs(value - w[i])))).toBeGreaterThan(0.01);
    });
  }

  it('runs the update as WebAssembly SIMD on the wasm backend', async () => {
    await tf.setBackend('wasm');
    const memory = wasmMemory(tf.backend()).wasmMemory;
    expect(memory).toBeInstanceOf(WebAssembly.Memory);
    expect(simdKernelsFor(memory!)?.adam).toBeTypeOf('function');
  });

  it('the tfjs-ops path used on GPU backends agrees with the fused one', async () => {
    await tf.setBackend('cpu');
    const fused = await run('cpu', w, grads, 0.01);
    const kernel = tf.getKernel('MnistGanLabAdamStep', 'cpu')!;
    tf.unregisterKernel('MnistGanLabAdamStep', 'cpu');
    try {
      const plain = await run('cpu', w, grads, 0.01);
      expect(plain.fused).toBe(false);
      const worst = Math.max(...plain.values.map((value, i) => Math.abs(value - fused.values[i])));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      tf.registerKernel(kernel);
    }
  });
});
