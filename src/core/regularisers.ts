/**
 * D's regularisers (recipe.ts: `r1`, `instanceNoise`).
 *
 * R1's gradient with respect to D's weights is a gradient of a gradient. tfjs' autodiff gives
 * it by nesting tf.grad, but only through ops whose own gradients are differentiable again, and
 * training's forward pass (network.ts) is made of custom-gradient blocks whose backward runs host
 * kernels with no gradient of their own. So the penalty runs D a second time through
 * `plainForward`, built from tfjs ops that are differentiable twice on every backend:
 * - LeakyReLU as α·x + (1 − α)·relu(x): tfjs' LeakyRelu gradient goes through `greater`, which
 *   has no gradient, so tf.leakyRelu cannot be differentiated twice;
 * - tanh and sigmoid with gradients recomputed from their input (fromSavedInput);
 * - conv2d as windows (pad, slice, reshape) times the kernel (matMul): tf.conv2d's second
 *   derivative needs Conv2DBackpropFilter, which the wasm backend lacks;
 * - dropout as a multiplication by the step's mask, spectral norm's σ as in training (its
 *   gradient is first order: the inner gradient is taken with respect to x only).
 */
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec, labelLayerIndex, parameterShapes } from './architecture';
import { convGeometry } from './conv/convGeometry';
import { minibatchStd, spectralNormalise, spectralSigma } from './network';
import type { InstanceNoiseRecipe, R1Recipe } from './recipe';

/**
 * Whether R1 applies at D update `update` (0-based) of step `step` (1-based): on every
 * `every`-th D update of the run, counted from its first.
 */
export function r1Applies(r1: R1Recipe, dStepsPerGStep: number, step: number, update: number): boolean {
  const index = (Math.max(1, step) - 1) * dStepsPerGStep + update;
  return index % r1.every === 0;
}

/**
 * The instance noise's standard deviation at step `step` (1-based) of a run of `totalSteps`:
 * `std`, or with `anneal` falling linearly to 0 at the run's end, as the learning-rate schedule.
 */
export function instanceNoiseStd(noise: InstanceNoiseRecipe, step: number, totalSteps: number): number {
  if (!noise.anneal || totalSteps <= 0) return noise.std;
  return noise.std * Math.max(0, 1 - (Math.max(1, step) - 1) / totalSteps);
}

/** The instance noise for `rows` digits: `std` times the unit normal draws in `unitNoise`. */
export function instanceNoise(unitNoise: Float32Array, rows: number, std: number): tf.Tensor2D {
  return tf.mul(tf.tensor2d(unitNoise, [rows, unitNoise.length / rows]), std);
}

/**
 * `f` with the gradient dy · slope(x), the slope recomputed from the saved input. tfjs' own
 * Tanh and Sigmoid gradients read their saved output, a copy the tape does not link back to the
 * input, so a gradient of their gradient silently loses the curvature term.
 */
function fromSavedInput(f: (x: tf.Tensor) => tf.Tensor, slope: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    return { value: f(x as tf.Tensor), gradFunc: (dy, saved) => tf.mul(dy, slope(saved[0])) };
  }) as unknown as (x: tf.Tensor) => tf.Tensor;
}

const tanh = fromSavedInput(tf.tanh, (x) => tf.sub(1, tf.square(tf.tanh(x))));
const sigmoid = fromSavedInput(tf.sigmoid, (x) => {
  const s = tf.sigmoid(x);
  return tf.mul(s, tf.sub(1, s));
});

/** leakyRelu(x) = α·x + (1 − α)·relu(x): the same values, differentiable twice. */
function leakyRelu(x: tf.Tensor, alpha: number): tf.Tensor {
  return tf.add(tf.mul(x, alpha), tf.mul(tf.relu(x), 1 - alpha));
}

/**
 * TensorFlow's 'same' conv2d (NHWC, kernel [k, k, in, out]) as one matrix product of the
 * windows with the kernel. A window row holds (i, j, c) in the kernel's order; each offset (i, j)
 * is a strided view of the padded input, taken by slicing and reshaping (tfjs' strided slice
 * has no gradient).
 */
export function windowConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const [k, , , filters] = kernel.shape;
  const g = convGeometry(height, width, channels, k, stride, 'same');
  // Padded so that every offset's view of outHeight·stride rows and outWidth·stride columns fits.
  const padded = tf.pad(x, [
    [0, 0],
    [g.top, g.spanHeight - g.top - height + stride],
    [g.left, g.spanWidth - g.left - width + stride],
    [0, 0],
  ]);
  const paddedWidth = g.spanWidth + stride;
  const rowsAt = (i: number): tf.Tensor4D => {
    const rows = tf.slice(padded, [0, i, 0, 0], [batch, g.outHeight * stride, paddedWidth, channels]);
    if (stride === 1) return rows;
    const strided = tf.slice(tf.reshape(rows, [batch, g.outHeight, stride, paddedWidth * channels]), [0, 0, 0, 0], [batch, g.outHeight, 1, paddedWidth * channels]);
    return tf.reshape(strided, [batch, g.outHeight, paddedWidth, channels]);
  };
  const windowAt = (rows: tf.Tensor4D, j: number): tf.Tensor4D => {
    const columns = tf.slice(rows, [0, 0, j, 0], [batch, g.outHeight, g.outWidth * stride, channels]);
    if (stride === 1) return columns;
    const strided = tf.reshape(columns, [batch, g.outHeight, g.outWidth, stride * channels]) as tf.Tensor4D;
    return tf.slice(strided, [0, 0, 0, 0], [batch, g.outHeight, g.outWidth, channels]);
  };
  const windows: tf.Tensor4D[] = [];
  for (let i = 0; i < k; i++) {
    const rows = rowsAt(i);
    for (let j = 0; j < k; j++) windows.push(windowAt(rows, j));
  }
  const cols = tf.reshape(tf.concat(windows, 3), [batch * g.outHeight * g.outWidth, k * k * channels]) as tf.Tensor2D;
  const product = tf.matMul(cols, tf.reshape(kernel, [k * k * channels, filters]) as tf.Tensor2D);
  return tf.reshape(product, [batch, g.outHeight, g.outWidth, filters]);
}

/**
 * D's logits for `x` from its weights (parameters, then state, as `forward` takes them), in
 * training mode with the given dropout masks but leaving the state (spectral norm's u) as it is:
 * the values of network.ts' forward, through ops that tfjs can differentiate twice.
 */
export function plainForward(
  spec: NetworkSpec,
  weights: tf.Tensor[],
  x: tf.Tensor2D,
  dropoutMasks: tf.Tensor2D[] = [],
  labels?: tf.Tensor2D,
): tf.Tensor2D {
  let state = parameterShapes(spec).length;
  const labelled = spec.classes ? labelLayerIndex(spec) : -1;
  let param = 0;
  let dropout = 0;
  let h: tf.Tensor = x;
  const last = spec.layers.length - 1;
  spec.layers.forEach((layer, index) => {
    if (index === labelled) h = tf.concat([h, labels!], 1);
    switch (layer.kind) {
      case 'dense': {
        const kernel = weights[param++];
        const w = layer.spectralNorm ? spectralNormalise(kernel, weights[state++], { needsGrad: true, update: false }) : kernel;
        h = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), weights[param++]);
        break;
      }
      case 'conv2d': {
        const kernel = weights[param++] as tf.Tensor4D;
        let conv: tf.Tensor = windowConv2d(h as tf.Tensor4D, kernel, layer.stride);
        if (layer.spectralNorm) conv = tf.div(conv, spectralSigma(kernel, weights[state++], { needsGrad: true, update: false }));
        h = tf.add(conv, weights[param++]);
        break;
      }
      case 'leakyRelu':
        h = leakyRelu(h, layer.alpha);
        break;
      case 'relu':
        h = tf.relu(h);
        break;
      case 'tanh':
        h = tanh(h);
        break;
      case 'sigmoid':
        if (index !== last) h = sigmoid(h);
        break;
      case 'dropout':
        if (dropoutMasks.length > 0) h = tf.mul(h, dropoutMasks[dropout]);
        dropout++;
        break;
      case 'minibatchStd':
        h = minibatchStd(h);
        break;
      case 'reshape':
        h = tf.reshape(h, [h.shape[0], ...layer.shape]);
        break;
      // checkRecipe refuses both in a discriminator asking for R1.
      case 'batchNorm':
      case 'conv2dTranspose':
        throw new Error(`The R1 penalty cannot differentiate a discriminator's ${layer.kind} layer twice.`);
    }
  });
  return h as tf.Tensor2D;
}

/**
 * R1 on the B digits `real`: γ/2 · mean over the rows of ‖∇ₓ D(x)‖², where ∇ₓ is taken of the
 * sum of D's logits over the batch, as StyleGAN2 does (with minibatchStd a row's score also
 * depends on the other rows). `weights` are D's (parameters then state); the penalty is
 * differentiable with respect to the parameters. `dropoutMasks` are the masks of the real rows,
 * `labels` their one-hot labels for a class-conditional D (the gradient is taken of the image).
 */
export function r1Penalty(
  spec: NetworkSpec,
  weights: tf.Tensor[],
  real: tf.Tensor2D,
  gamma: number,
  dropoutMasks: tf.Tensor2D[] = [],
  labels?: tf.Tensor2D,
): tf.Scalar {
  const gradient = tf.grad((x: tf.Tensor) => tf.sum(plainForward(spec, weights, x as tf.Tensor2D, dropoutMasks, labels)))(real);
  return tf.mul(gamma / 2, tf.mean(tf.sum(tf.square(gradient), 1)));
}
