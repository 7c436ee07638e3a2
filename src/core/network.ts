/**
 * From a network description to (a) a tf.layers model, which owns the variables and is what
 * gets exported, and (b) a functional forward pass over those variables that training
 * differentiates, built from `denseBlock`s.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BATCH_NORM_EPSILON,
  BATCH_NORM_MOMENTUM,
  type LayerSpec,
  type NetworkSpec,
  labelLayerIndex,
  layerOutputShapes,
  parameterShapes,
  stateShapes,
} from './architecture';
import { conv2d, conv2dTranspose } from './conv/conv2d';
import { denseActivationGrad, hasActivationGradKernel } from './kernels/activationGradKernel';
import { hasActivationKernel, leakyDropout } from './kernels/activationKernel';
import { gemmTiles, matMul } from './kernels/gemmKernel';
import { Rng } from './rng';

/** The tf.layers layer for one spec layer; `inputShape` for the first layer of a Sequential model. */
function layersLayer(layer: LayerSpec, inputShape: { inputShape?: number[] }): tf.layers.Layer {
  switch (layer.kind) {
    case 'dense':
      return tf.layers.dense({ units: layer.units, ...inputShape });
    case 'leakyRelu':
      return tf.layers.leakyReLU({ alpha: layer.alpha, ...inputShape });
    case 'dropout':
      return tf.layers.dropout({ rate: layer.rate, ...inputShape });
    case 'relu':
      return tf.layers.reLU({ ...inputShape });
    case 'batchNorm':
      return tf.layers.batchNormalization({ axis: -1, momentum: layer.momentum ?? BATCH_NORM_MOMENTUM, epsilon: BATCH_NORM_EPSILON, ...inputShape });
    case 'minibatchStd':
      return new MinibatchStdLayer(inputShape);
    case 'tanh':
    case 'sigmoid':
      return tf.layers.activation({ activation: layer.kind, ...inputShape });
    case 'reshape':
      return tf.layers.reshape({ targetShape: layer.shape, ...inputShape });
    case 'conv2d':
      return tf.layers.conv2d({ filters: layer.filters, kernelSize: layer.kernel, strides: layer.stride, padding: 'same', ...inputShape });
    case 'conv2dTranspose':
      return tf.layers.conv2dTranspose({ filters: layer.filters, kernelSize: layer.kernel, strides: layer.stride, padding: 'same', ...inputShape });
  }
}

/** The model's two inputs when it takes a class label: the network's own, then the label. */
export const LABEL_INPUT = 'label';

/**
 * Builds the Layers model: a Sequential one, or for a class-conditional network (spec.classes)
 * a functional one with a second input, `label`, concatenated to the input of the first dense
 * layer. Glorot-uniform kernels and zero biases drawn from `rng`, batch norm's gamma 1, beta 0,
 * moving mean 0 and moving variance 1.
 */
export function buildLayersModel(spec: NetworkSpec, rng: Rng): tf.LayersModel {
  let model: tf.LayersModel;
  if (spec.classes) {
    const input = tf.input({ shape: [spec.inputSize], name: spec.name === 'generator' ? 'noise' : 'image' });
    const label = tf.input({ shape: [spec.classes], name: LABEL_INPUT });
    const joins = labelLayerIndex(spec);
    let h = input;
    spec.layers.forEach((layer, index) => {
      if (index === joins) h = tf.layers.concatenate({ axis: -1 }).apply([h, label]) as tf.SymbolicTensor;
      h = layersLayer(layer, {}).apply(h) as tf.SymbolicTensor;
    });
    model = tf.model({ inputs: [input, label], outputs: h, name: spec.name });
  } else {
    const sequential = tf.sequential();
    spec.layers.forEach((layer, index) => sequential.add(layersLayer(layer, index === 0 ? { inputShape: [spec.inputSize] } : {})));
    model = sequential;
  }
  const initial = glorotWeights(spec, rng);
  // The model's weights: all trainable ones, then batch norm's moving statistics (as stateShapes
  // lists them, spectral norm's u aside: the model does not hold it).
  model.nonTrainableWeights.forEach((weight, i) => initial.push(i % 2 === 0 ? tf.zeros(weight.shape as number[]) : tf.ones(weight.shape as number[])));
  model.setWeights(initial);
  tf.dispose(initial);
  return model;
}

/** Class indices as the one-hot rows a conditional network takes ([n, classes], float32). */
export function oneHotLabels(labels: ArrayLike<number>, classes: number): tf.Tensor2D {
  const values = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new RangeError(`A label must be a class from 0 to ${classes - 1}, got ${label}.`);
    values[i * classes + label] = 1;
  }
  return tf.tensor2d(values, [labels.length, classes]);
}

/** ProGAN's minibatch standard deviation as a Layers layer, so D's model infers its shapes. */
class MinibatchStdLayer extends tf.layers.Layer {
  static readonly className = 'MinibatchStd';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = [...(inputShape as tf.Shape)];
    shape[shape.length - 1] = (shape[shape.length - 1] as number) + 1;
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return minibatchStd(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
tf.serialization.registerClass(MinibatchStdLayer);

/** Inside ProGAN's standard deviation, as its reference code adds. */
export const MINIBATCH_STD_EPSILON = 1e-8;

/**
 * ProGAN's minibatch feature: `x` ([n, …, c]) with one feature appended on the last axis, the
 * mean over all features of each feature's standard deviation over the rows. The rows hold
 * `groups` independent batches back to back (D sees real then generated digits in one batch),
 * and each gets its own value: mixed, the feature would be the same for real and generated rows.
 */
export function minibatchStd(x: tf.Tensor, groups = 1): tf.Tensor {
  const [rows, ...rest] = x.shape;
  if (rows % groups !== 0) throw new Error(`minibatchStd: ${rows} rows do not split into ${groups} equal batches.`);
  const grouped = tf.reshape(x, [groups, rows / groups, ...rest]);
  const { variance } = tf.moments(grouped, 1);
  const std = tf.sqrt(tf.add(variance, MINIBATCH_STD_EPSILON));
  const perGroup = tf.mean(tf.reshape(std, [groups, -1]), 1);
  // Broadcast at rank 3: tfjs has no gradient for a rank-5 tile.
  const positions = rows / groups * (rest.slice(0, -1).reduce((a, b) => a * b, 1));
  const feature = tf.broadcastTo(tf.reshape(perGroup, [groups, 1, 1]), [groups, positions, 1]);
  return tf.concat([x, tf.reshape(feature, [rows, ...rest.slice(0, -1), 1])], -1);
}

function glorotWeights(spec: NetworkSpec, rng: Rng): tf.Tensor[] {
  const gammas = new Set<number>();
  let param = 0;
  for (const layer of spec.layers) {
    if (layer.kind === 'batchNorm') gammas.add(param);
    if (layer.kind === 'batchNorm' || layer.kind === 'dense' || layer.kind === 'conv2d' || layer.kind === 'conv2dTranspose') param += 2;
  }
  return parameterShapes(spec).map((shape, index) => {
    if (gammas.has(index)) return tf.ones(shape);
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0] + shape[1]));
      rng.fillUniform(values, -limit, limit);
    } else if (shape.length === 4) {
      // Keras' Glorot for conv kernels: fans are the receptive field times the channels.
      const [kh, kw, a, b] = shape;
      const limit = Math.sqrt(6 / (kh * kw * (a + b)));
      rng.fillUniform(values, -limit, limit);
    }
    return tf.tensor(values, shape);
  });
}

/** The model's trainable variables, kernel then bias for each dense layer (as parameterShapes). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/**
 * The network's non-trainable state as variables, in stateShapes order: batch norm's moving
 * statistics are the model's own; spectral norm's u vectors, drawn from `rng` as normalised
 * normal vectors, live outside it, as the model has no such layer (disposeNetworkState).
 */
export function networkState(spec: NetworkSpec, model: tf.LayersModel, rng: Rng): tf.Variable[] {
  const moving = model.nonTrainableWeights.map((weight) => weight.read() as tf.Variable);
  const state: tf.Variable[] = [];
  for (const layer of spec.layers) {
    if (layer.kind === 'batchNorm') state.push(moving.shift()!, moving.shift()!);
    if ((layer.kind === 'dense' || layer.kind === 'conv2d') && layer.spectralNorm) {
      const u = rng.fillNormal(new Float32Array(layer.kind === 'dense' ? layer.units : layer.filters));
      const norm = Math.hypot(...u);
      state.push(tf.variable(tf.tensor1d(u.map((value) => value / norm)), false));
    }
  }
  return state;
}

/** Frees the state variables the model does not hold (it disposes its own). */
export function disposeNetworkState(model: tf.LayersModel, state: tf.Variable[]): void {
  const own = new Set(model.weights.map((weight) => weight.read()));
  tf.dispose(state.filter((variable) => !own.has(variable)));
}

/**
 * Batch normalisation over all axes but the last. Training: with the batch's mean and (biased)
 * variance, as Keras, differentiable through both; the moving statistics (variables) move
 * towards them. Otherwise with the moving statistics.
 */
export function batchNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  movingMean: tf.Tensor,
  movingVariance: tf.Tensor,
  options: { training: boolean; momentum: number },
): tf.Tensor {
  const normalise = (mean: tf.Tensor, variance: tf.Tensor) =>
    x.rank === 4
      ? tf.batchNorm4d(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, BATCH_NORM_EPSILON)
      : tf.batchNorm2d(x as tf.Tensor2D, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, BATCH_NORM_EPSILON);
  if (!options.training) return normalise(movingMean, movingVariance);
  const { mean, variance } = tf.moments(x, x.shape.slice(0, -1).map((_, axis) => axis));
  const { momentum } = options;
  (movingMean as tf.Variable).assign(tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
  (movingVariance as tf.Variable).assign(tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, 1 - momentum)));
  return normalise(mean, variance);
}

/** A vector over its length, as PyTorch's spectral_norm guards it. */
function unitLength(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.maximum(tf.norm(x), 1e-12));
}

/**
 * Miyato et al.'s spectral normalisation divides a kernel by σ, its largest singular value (the
 * kernel read as a [fan-in, units] matrix K), estimated by one power-iteration step from the
 * persistent u ([units]): v = K·u / ‖K·u‖, u' = Kᵀ·v / ‖Kᵀ·v‖, σ = vᵀ·K·u' (= ‖Kᵀ·v‖).
 * u' and v are constants to the gradient: ∂σ/∂K = v·u'ᵀ. With `update`, u (a variable) keeps u'.
 */
export function spectralSigma(kernel: tf.Tensor, u: tf.Tensor, options: { needsGrad: boolean; update: boolean }): tf.Scalar {
  const units = kernel.shape[kernel.shape.length - 1];
  const kept: { u: tf.Tensor | null } = { u: null };
  // Inside customGrad's forward this runs off the tape, so v and u' stay constants.
  const estimate = (k: tf.Tensor) => {
    const matrix = tf.reshape(k, [-1, units]) as tf.Tensor2D;
    // Both products without a transposed operand (a column, then a row vector).
    const v = unitLength(tf.matMul(matrix, tf.reshape(u, [units, 1]) as tf.Tensor2D));
    const t = tf.matMul(tf.reshape(v, [1, -1]) as tf.Tensor2D, matrix);
    const sigma = tf.norm(t);
    const next = tf.div(t, tf.maximum(sigma, 1e-12));
    if (options.update) kept.u = tf.keep(tf.reshape(next, [units]));
    return { v, next, sigma };
  };
  let sigma: tf.Scalar;
  if (!options.needsGrad) {
    sigma = estimate(kernel).sigma as tf.Scalar;
  } else {
    const op = tf.customGrad((k, save) => {
      const { v, next, sigma: value } = estimate(k as tf.Tensor);
      (save as tf.GradSaveFunc)([v, next]);
      return {
        value,
        gradFunc: (dy, saved) => tf.mul(dy, tf.reshape(tf.matMul(saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D), kernel.shape)),
      };
    }) as unknown as (k: tf.Tensor) => tf.Scalar;
    sigma = op(kernel);
  }
  if (kept.u) {
    (u as tf.Variable).assign(kept.u);
    kept.u.dispose();
  }
  return sigma;
}

/** kernel / σ (spectralSigma), differentiable through both. */
export function spectralNormalise(kernel: tf.Tensor, u: tf.Tensor, options: { needsGrad: boolean; update: boolean }): tf.Tensor {
  return tf.div(kernel, spectralSigma(kernel, u, options));
}

export interface BlockOptions {
  /** LeakyReLU slope after the dense layer, or null for none. */
  alpha: number | null;
  /** Inverted-dropout mask applied after the activation, or null. */
  mask: tf.Tensor2D | null;
  /** Whether the input gets a gradient (not for data). */
  xNeedsGrad: boolean;
  /** Whether the kernel and bias get gradients (not for D while G learns). */
  paramsNeedGrad: boolean;
  /**
   * The block's output feeds the next dense block, and the input comes from the previous one:
   * the gradients that pass between them may then travel transposed (see denseBlock).
   */
  outputToBlock?: boolean;
  inputFromBlock?: boolean;
}

function blockForward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, options: BlockOptions): tf.Tensor2D {
  const [rows, inner] = x.shape;
  const units = w.shape[1];
  // On wasm and cpu the product adds only the bias and one own pass does the rest; on wasm the
  // product is the SIMD gemm (kernels/gemmKernel.ts) where the shape tiles.
  const epilogue = (options.alpha !== null || options.mask !== null) && hasActivationKernel();
  if (gemmTiles(rows, units)) {
    const product = matMul(x, w, { bias: b });
    if (!epilogue) return product;
    const out = leakyDropout(product, options.alpha, options.mask);
    product.dispose();
    return out;
  }
  // Elsewhere the _FusedMatMul kernel directly: tf.fused.matMul falls back to three separate
  // kernels whenever a gradient is being recorded, which is always the case here.
  const z = tf.engine().runKernel(
    '_FusedMatMul',
    { a: tf.reshape(x, [1, rows, inner]), b: tf.reshape(w, [1, inner, units]), bias: b },
    {
      transposeA: false,
      transposeB: false,
      activation: options.alpha === null || epilogue ? 'linear' : 'leakyrelu',
      leakyreluAlpha: options.alpha ?? 0,
    },
  ) as tf.Tensor3D;
  const out = tf.reshape(z, [rows, units]) as tf.Tensor2D;
  if (epilogue) return leakyDropout(out, options.alpha, options.mask);
  return options.mask ? (tf.mul(out, options.mask) as tf.Tensor2D) : out;
}

/**
 * A dense layer with its activation and dropout as one differentiable op:
 * out = mask · leakyRelu(x·w + b). The forward is one matmul with the bias, then one pass for
 * activation and dropout. Gradients nobody asked for are not computed.
 *
 * On wasm and cpu the backward is one pass for activation, dropout and bias
 * (kernels/activationGradKernel.ts) and two matmuls that need no transposed weights: the
 * input gradient is computed transposed, dxᵀ = w · dzᵀ, and the weight gradient as
 * xᵀ · dz, where only small batch-sized operands get transposed. The usual dz · wᵀ would
 * transpose w and repack it for the matmul on every step (measured: 2.5× the matmul's own
 * time). Between two blocks dxᵀ is handed on as is, in a tensor shaped like x, and the block
 * below reads it transposed; it is transposed back only where it leaves a chain of blocks.
 * On other backends (WebGL, WebGPU) the matmuls take transposed operands natively.
 */
export function denseBlock(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, options: BlockOptions): tf.Tensor2D {
  const inputs: tf.Tensor[] = [];
  if (options.xNeedsGrad) inputs.push(x);
  if (options.paramsNeedGrad) inputs.push(w, b);
  if (inputs.length === 0) return blockForward(x, w, b, options);
  const host = hasActivationGradKernel();
  const op = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const out = blockForward(x, w, b, options);
    // Saved tensors outlive the forward pass; x may be an intermediate that would not, and so
    // may w where it is not a variable (a spectrally normalised kernel).
    save(w instanceof tf.Variable ? [out, x] : [out, x, w]);
    return {
      value: out,
      gradFunc: (dy, saved) => {
        const [outSaved, xSaved, wSaved = w] = saved as tf.Tensor2D[];
        return host
          ? hostBackward(dy as tf.Tensor2D, outSaved, xSaved, wSaved, options)
          : deviceBackward(dy as tf.Tensor2D, outSaved, xSaved, wSaved, options);
      },
    };
  }) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor2D;
  return op(...inputs);
}

function hostBackward(
  dy: tf.Tensor2D,
  out: tf.Tensor2D,
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  options: BlockOptions,
): tf.Tensor[] {
  const { dzT, db, dz } = denseActivationGrad(dy, out, options.mask, options.alpha, {
    dyTransposed: Boolean(options.outputToBlock),
    withDz: options.paramsNeedGrad,
  });
  const grads: tf.Tensor[] = [];
  if (options.xNeedsGrad) {
    const dxT = matMul(w, dzT);
    grads.push(options.inputFromBlock ? tf.reshape(dxT, x.shape) : tf.transpose(dxT));
  }
  if (options.paramsNeedGrad) grads.push(matMul(x, dz!, { transposeA: true }), db);
  else db.dispose();
  return grads;
}

function deviceBackward(
  dy: tf.Tensor2D,
  out: tf.Tensor2D,
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  options: BlockOptions,
): tf.Tensor[] {
  let dz: tf.Tensor = dy;
  if (options.alpha !== null) dz = tf.where(tf.greater(out, 0), dz, tf.mul(dz, options.alpha));
  if (options.mask) dz = tf.mul(dz, options.mask);
  const grads: tf.Tensor[] = [];
  if (options.xNeedsGrad) grads.push(tf.matMul(dz, w, false, true));
  if (options.paramsNeedGrad) grads.push(tf.matMul(x, dz, true, false), tf.sum(dz, 0));
  return grads;
}

/**
 * tanh as 2·σ(2x) − 1, with the gradient dy·(1 − tanh²). Equal to tf.tanh within float32
 * rounding (≤ 1.2e-7 apart), and on wasm six times faster: tfjs' wasm Tanh is a scalar loop,
 * its Sigmoid a vectorised one (measured: 1.67 vs 0.27 ms on G's 128 × 784 output).
 */
export function tanh(x: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((input, save) => {
    const out = tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(input as tf.Tensor, 2)), 2), 1));
    (save as tf.GradSaveFunc)([out]);
    return {
      value: out,
      gradFunc: (dy, saved) => tf.tidy(() => tf.mul(dy, tf.sub(1, tf.square(saved[0])))),
    };
  }) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

export interface ForwardOptions {
  /**
   * One inverted-dropout mask per dropout layer, shaped like that layer's input, or
   * undefined for inference (dropout off).
   */
  dropoutMasks?: tf.Tensor2D[];
  /** Stop before a final sigmoid and return logits (for a numerically stable loss). */
  logits?: boolean;
  /** Whether gradients must flow to the input (false for data, true for G's output into D). */
  inputNeedsGrad?: boolean;
  /** False when the parameters are held fixed (D while G learns): their gradients are skipped. */
  paramsNeedGrad?: boolean;
  /**
   * Training: batch norm normalises with the batch's statistics and moves its moving ones
   * towards them; spectral norm keeps its power-iteration step in u. Both write the state given
   * with the weights, which must then be variables. Otherwise the state is only read.
   */
  training?: boolean;
  /**
   * How many independent batches `x` holds back to back (2 for D's real then generated rows);
   * batch statistics (minibatchStd) are taken within each. 1 if not given.
   */
  batchGroups?: number;
  /** A class-conditional network's labels, one-hot [rows, spec.classes] (oneHotLabels). */
  labels?: tf.Tensor2D;
}

/**
 * The network applied to `x` with the given weights: the parameters (kernel, bias per dense
 * layer), then the state, as weightShapes lists them.
 */
export function forward(
  spec: NetworkSpec,
  params: tf.Tensor[],
  x: tf.Tensor2D,
  options: ForwardOptions = {},
): tf.Tensor2D {
  const stateCount = stateShapes(spec).length;
  let state = params.length - stateCount;
  if (stateCount > 0 && state !== parameterShapes(spec).length) {
    throw new Error(`The ${spec.name} keeps ${stateCount} state tensors after its parameters; ${params.length} weights were given.`);
  }
  const training = Boolean(options.training);
  // Rank 2 on the dense path; rank 4 (NHWC) between reshapes into and out of a conv stack.
  let h = x;
  let param = 0;
  let dropout = 0;
  let xNeedsGrad = Boolean(options.inputNeedsGrad);
  const paramsNeedGrad = options.paramsNeedGrad !== false;
  // Whether h is the output of a dense block that hands its gradient over transposed.
  let inputFromBlock = false;
  const layers = spec.layers;
  const labelled = spec.classes ? labelLayerIndex(spec) : -1;
  if (labelled >= 0 && options.labels?.shape[1] !== spec.classes) {
    throw new Error(`The ${spec.name} takes a one-hot label of ${spec.classes} classes with each input.`);
  }
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index];
    if (index === labelled) h = tf.concat([h, options.labels!], 1);
    switch (layer.kind) {
      case 'dense': {
        // A dense layer takes the LeakyReLU (or ReLU: slope 0) and dropout that follow it into one block.
        let alpha: number | null = null;
        let mask: tf.Tensor2D | null = null;
        const next = layers[index + 1];
        if (next?.kind === 'leakyRelu' || next?.kind === 'relu') {
          alpha = next.kind === 'relu' ? 0 : next.alpha;
          index++;
        }
        if (layers[index + 1]?.kind === 'dropout') {
          if (options.dropoutMasks) mask = options.dropoutMasks[dropout];
          dropout++;
          index++;
        }
        const kernel = params[param++];
        const w = (layer.spectralNorm ? spectralNormalise(kernel, params[state++], { needsGrad: paramsNeedGrad, update: training }) : kernel) as tf.Tensor2D;
        const b = params[param++] as tf.Tensor1D;
        const outputToBlock = layers[index + 1]?.kind === 'dense';
        h = denseBlock(h, w, b, { alpha, mask, xNeedsGrad, paramsNeedGrad, outputToBlock, inputFromBlock });
        inputFromBlock = outputToBlock;
        xNeedsGrad = true;
        break;
      }
      case 'leakyRelu':
        h = tf.leakyRelu(h, layer.alpha);
        break;
      case 'relu':
        h = tf.relu(h);
        break;
      case 'minibatchStd':
        h = minibatchStd(h, options.batchGroups ?? 1) as tf.Tensor2D;
        break;
      case 'batchNorm': {
        const [gamma, beta] = [params[param++], params[param++]];
        const [mean, variance] = [params[state++], params[state++]];
        h = batchNorm(h, gamma, beta, mean, variance, { training, momentum: layer.momentum ?? BATCH_NORM_MOMENTUM }) as tf.Tensor2D;
        break;
      }
      case 'dropout':
        if (options.dropoutMasks) h = tf.mul(h, options.dropoutMasks[dropout]);
        dropout++;
        break;
      case 'tanh':
        h = tanh(h);
        break;
      case 'sigmoid':
        if (!(options.logits && index === layers.length - 1)) h = tf.sigmoid(h);
        break;
      case 'reshape':
        h = tf.reshape(h, [h.shape[0], ...layer.shape]) as unknown as tf.Tensor2D;
        break;
      case 'conv2d':
      case 'conv2dTranspose': {
        const kernel = params[param++] as tf.Tensor4D;
        const bias = params[param++];
        const convOptions = { stride: layer.stride, padding: 'same' as const, xNeedsGrad, kernelNeedsGrad: paramsNeedGrad };
        const h4 = h as unknown as tf.Tensor4D;
        let conv = layer.kind === 'conv2d' ? conv2d(h4, kernel, convOptions) : conv2dTranspose(h4, kernel, convOptions);
        // A convolution is linear in its kernel: conv(x, K/σ) = conv(x, K)/σ, and the kernel
        // the convolution's own gradient keeps stays the variable.
        if (layer.kind === 'conv2d' && layer.spectralNorm) {
          conv = tf.div(conv, spectralSigma(kernel, params[state++], { needsGrad: paramsNeedGrad, update: training }));
        }
        // tfjs computes the bias gradient only when the bias is among the differentiated params.
        h = tf.add(conv, bias) as unknown as tf.Tensor2D;
        xNeedsGrad = true;
        break;
      }
    }
  }
  return h;
}

/** Widths of the inputs of the dropout layers, in order (the shapes of their masks' rows). */
export function dropoutWidths(spec: NetworkSpec): { width: number; rate: number }[] {
  const widths: { width: number; rate: number }[] = [];
  const shapes = layerOutputShapes(spec);
  spec.layers.forEach((layer, index) => {
    const input = index === 0 ? [spec.inputSize] : shapes[index - 1];
    if (layer.kind === 'dropout') widths.push({ width: input.reduce((a, b) => a * b, 1), rate: layer.rate });
  });
  return widths;
}
