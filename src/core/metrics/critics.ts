/**
 * The critics of the two-sample test (c2st.ts): small CNNs trained from scratch to tell one set
 * of digits from another. Two designs, because one critic's blind spot is not evidence that two
 * sets are alike (the strided one once said 0.771 where the max-pool one separated the same
 * digits 93% of the time):
 *
 * - `strided`: the evaluation classifier's architecture (classifier.ts) with one output:
 *   conv 5x5/32 → conv 3x3/64 → conv 3x3/64, all stride 2 'same', ReLU → dense 128 ReLU →
 *   dense 1 (sigmoid cross-entropy).
 * - `maxpool`: the most common MNIST CNN: conv 3x3/32 ReLU, 2x2 max-pool; conv 3x3/64 ReLU,
 *   2x2 max-pool ('valid', as Keras: 28 → 26 → 13 → 11 → 5) → dense 128 ReLU → dense 2
 *   (softmax cross-entropy).
 *
 * Weights are explicit tensors with seeded initial values (Glorot-uniform kernels, zero biases,
 * as tf.layers' defaults), so a seed fixes the critic. Convolutions go through conv/conv2d.ts,
 * which trains on wasm (no Conv2DBackpropFilter there) and runs as im2col + gemm on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../conv/conv2d';
import { IMAGE_SIDE } from '../digits';
import { denseBlock } from '../network';
import type { Rng } from '../rng';
import { maxPool2x2 } from './maxPool2x2';

export type CriticName = 'strided' | 'maxpool';

export interface CriticDesign {
  name: CriticName;
  /** One line for reports. */
  description: string;
  /** 1: one logit, sigmoid cross-entropy; 2: two logits, softmax cross-entropy. */
  outputs: 1 | 2;
  /** Kernel then bias per layer, in forward order; kernels are 4-D (conv) or 2-D (dense). */
  shapes: number[][];
  /** Logits [N, outputs] of images [N, 784] in [-1, 1]; differentiable in the weights when `train`. */
  forward(weights: tf.Tensor[], images: tf.Tensor2D, train: boolean): tf.Tensor2D;
}

const HIDDEN = 128;

/** Conv (no bias) + bias + ReLU; the input gets a gradient only past the first layer. */
function convRelu(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor, stride: number, train: boolean, first: boolean) {
  const conv = conv2d(x, kernel as tf.Tensor4D, { stride, padding: 'same', xNeedsGrad: train && !first, kernelNeedsGrad: train });
  return tf.relu(tf.add(conv, bias)) as tf.Tensor4D;
}

/** Flattened features → dense 128 ReLU → dense `outputs` logits, as the lab's dense blocks (gemm on wasm). */
function denseHead(flat: tf.Tensor2D, [w1, b1, w2, b2]: tf.Tensor[], train: boolean): tf.Tensor2D {
  const grads = { mask: null, xNeedsGrad: train, paramsNeedGrad: train };
  const hidden = denseBlock(flat, w1 as tf.Tensor2D, b1 as tf.Tensor1D, { ...grads, alpha: 0, outputToBlock: true });
  return denseBlock(hidden, w2 as tf.Tensor2D, b2 as tf.Tensor1D, { ...grads, alpha: null, inputFromBlock: true });
}

const STRIDED_CONVS = [
  { filters: 32, kernel: 5 },
  { filters: 64, kernel: 3 },
  { filters: 64, kernel: 3 },
];
const STRIDED_FLAT = 4 * 4 * 64; // 28 → 14 → 7 → 4

export const STRIDED_CRITIC: CriticDesign = {
  name: 'strided',
  description: 'the evaluation classifier: conv 5x5/32, 3x3/64, 3x3/64 stride 2 → dense 128 → 1',
  outputs: 1,
  shapes: [
    ...STRIDED_CONVS.flatMap(({ filters, kernel }, i) => [[kernel, kernel, i === 0 ? 1 : STRIDED_CONVS[i - 1].filters, filters], [filters]]),
    [STRIDED_FLAT, HIDDEN], [HIDDEN],
    [HIDDEN, 1], [1],
  ],
  forward: (weights, images, train) => {
    const batch = images.shape[0];
    let h = tf.reshape(images, [batch, IMAGE_SIDE, IMAGE_SIDE, 1]) as tf.Tensor4D;
    STRIDED_CONVS.forEach((_, i) => {
      h = convRelu(h, weights[2 * i], weights[2 * i + 1], 2, train, i === 0);
    });
    const flat = tf.reshape(h, [batch, STRIDED_FLAT]) as tf.Tensor2D;
    return denseHead(flat, weights.slice(2 * STRIDED_CONVS.length), train);
  },
};

const POOLED = 5; // 28 → conv 26 → pool 13 → conv 11 → pool 5

export const MAXPOOL_CRITIC: CriticDesign = {
  name: 'maxpool',
  description: 'conv 3x3/32, max-pool 2, conv 3x3/64, max-pool 2 → dense 128 → 2',
  outputs: 2,
  shapes: [
    [3, 3, 1, 32], [32],
    [3, 3, 32, 64], [64],
    [POOLED * POOLED * 64, HIDDEN], [HIDDEN],
    [HIDDEN, 2], [2],
  ],
  forward: (weights, images, train) => {
    const batch = images.shape[0];
    // relu(pool(z) + b) is pool(relu(z + b)) exactly (both monotone, b constant over a window),
    // with the bias, the ReLU and the bias's gradient on a quarter of the values.
    const convPoolRelu = (x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor, first: boolean) => {
      const conv = conv2d(x, kernel as tf.Tensor4D, { stride: 1, padding: 'valid', xNeedsGrad: train && !first, kernelNeedsGrad: train });
      return tf.relu(tf.add(maxPool2x2(conv), bias)) as tf.Tensor4D;
    };
    const x = tf.reshape(images, [batch, IMAGE_SIDE, IMAGE_SIDE, 1]) as tf.Tensor4D;
    const h1 = convPoolRelu(x, weights[0], weights[1], true);
    const h2 = convPoolRelu(h1, weights[2], weights[3], false);
    const flat = tf.reshape(h2, [batch, POOLED * POOLED * 64]) as tf.Tensor2D;
    return denseHead(flat, weights.slice(4), train);
  },
};

export const CRITICS: readonly CriticDesign[] = [STRIDED_CRITIC, MAXPOOL_CRITIC];

export function criticByName(name: string): CriticDesign {
  const design = CRITICS.find((critic) => critic.name === name);
  if (!design) {
    throw new Error(`There is no critic "${name}"; the critics are ${CRITICS.map((c) => c.name).join(', ')}.`);
  }
  return design;
}

/**
 * Fresh weights for `design` drawn from `rng`: Glorot-uniform kernels (fans over the receptive
 * field, as Keras), zero biases. Caller disposes.
 */
export function initialCriticWeights(design: CriticDesign, rng: Rng): tf.Variable[] {
  return design.shapes.map((shape) => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length > 1) {
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const fanIn = receptive * shape[shape.length - 2];
      const fanOut = receptive * shape[shape.length - 1];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      rng.fillUniform(values, -limit, limit);
    }
    return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
  });
}
