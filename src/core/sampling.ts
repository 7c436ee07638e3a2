/**
 * Drawing fresh digits from a saved generator, as the original `sample.py` did: noise from a
 * seed (the same seed gives the same digits), or a walk through latent space between two seeds.
 */
import { DIGIT_CLASSES, DIGIT_PIXELS, toPixels } from './digits';
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec } from './architecture';
import { forward, oneHotLabels } from './network';
import { Rng, Stream } from './rng';

/**
 * `count` latent vectors (count × latentSize, the generator's inputSize) drawn from the sampling
 * stream of `seed`.
 */
export function sampleNoise(seed: number, count: number, latentSize: number): Float32Array {
  return Rng.forStep(seed, 0, Stream.sample).fillNormal(new Float32Array(count * latentSize));
}

/**
 * `steps` latent vectors from seed A's first vector to seed B's, along the great circle
 * (spherical interpolation keeps the norm typical of Gaussian noise, so middle digits do not
 * fade as they would on the straight line).
 */
export function interpolationNoise(seedA: number, seedB: number, steps: number, latentSize: number): Float32Array {
  const a = sampleNoise(seedA, 1, latentSize);
  const b = sampleNoise(seedB, 1, latentSize);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < latentSize; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(normA * normB))));
  const out = new Float32Array(steps * latentSize);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    const [wa, wb] =
      omega < 1e-6
        ? [1 - t, t]
        : [Math.sin((1 - t) * omega) / Math.sin(omega), Math.sin(t * omega) / Math.sin(omega)];
    for (let i = 0; i < latentSize; i++) out[s * latentSize + i] = wa * a[i] + wb * b[i];
  }
  return out;
}

/** `count` labels 0, 1, …, 9, 0, 1, …: every digit alike; in a grid of ten columns, one per column. */
export function cyclingLabels(count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => i % DIGIT_CLASSES);
}

/**
 * A generator's images for `noise` in inference mode (caller disposes): `labels` (one digit per
 * row, by default cyclingLabels) for a class-conditional one, none for another.
 */
export function generatorForward(spec: NetworkSpec, params: tf.Tensor[], noise: Float32Array, labels?: ArrayLike<number>): tf.Tensor2D {
  const count = noise.length / spec.inputSize;
  return tf.tidy(() =>
    forward(spec, params, tf.tensor2d(noise, [count, spec.inputSize]), {
      labels: spec.classes ? oneHotLabels(labels ?? cyclingLabels(count), spec.classes) : undefined,
    }),
  );
}

/**
 * The generator's digits for `noise`, as grey bytes laid out for a rows × cols grid (cells past
 * the last digit stay black); a class-conditional one draws `labels` (by default cyclingLabels).
 */
export async function renderDigits(
  spec: NetworkSpec,
  params: tf.Tensor[],
  noise: Float32Array,
  rows: number,
  cols: number,
  labels?: ArrayLike<number>,
): Promise<Uint8ClampedArray> {
  const images = generatorForward(spec, params, noise, labels);
  try {
    const digits = toPixels(await images.data());
    const pixels = new Uint8ClampedArray(rows * cols * DIGIT_PIXELS);
    pixels.set(digits);
    return pixels;
  } finally {
    images.dispose();
  }
}
