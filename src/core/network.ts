/**
 * From a network description to (a) a tf.layers model, which owns the variables and is what
 * gets exported, and (b) a functional forward pass over those variables that training
 * differentiates, built from `denseBlock`s.
 */
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec, parameterShapes } from './architecture';
import { conv2d, conv2dTranspose } from './conv/conv2d';
import { denseActivationGrad, hasActivationGradKernel } from './kernels/activationGradKernel';
import { hasActivationKernel, leakyDropout } from './kernels/activationKernel';
import { gemmTiles, matMul } from './kernels/gemmKernel';
import { Rng } from './rng';

/** Builds the Sequential model; Glorot-uniform kernels and zero biases drawn from `rng`. */
export function buildLayersModel(spec: NetworkSpec, rng: Rng): tf.Sequential {
  const model = tf.sequential();
  let first = true;
  for (const layer of spec.layers) {
    const inputShape = first ? { inputShape: [spec.inputSize] } : {};
    first = false;
    switch (layer.kind) {
      case 'dense':
        model.add(tf.layers.dense({ units: layer.units, ...inputShape }));
        break;
      case 'leakyRelu':
        model.add(tf.layers.leakyReLU({ alpha: layer.alpha, ...inputShape }));
        break;
      case 'dropout':
        model.add(tf.layers.dropout({ rate: layer.rate, ...inputShape }));
        break;
      case 'tanh':
      case 'sigmoid':
        model.add(tf.layers.activation({ activation: layer.kind, ...inputShape }));
        break;
      case 'reshape':
        model.add(tf.layers.reshape({ targetShape: layer.shape, ...inputShape }));
        break;
      case 'conv2d':
        model.add(
          tf.layers.conv2d({ filters: layer.filters, kernelSize: layer.kernel, strides: layer.stride, padding: 'same', ...inputShape }),
        );
        break;
      case 'conv2dTranspose':
        model.add(
          tf.layers.conv2dTranspose({
            filters: layer.filters,
            kernelSize: layer.kernel,
            strides: layer.stride,
            padding: 'same',
            ...inputShape,
          }),
        );
        break;
    }
  }
  model.setWeights(glorotWeights(spec, rng));
  return model;
}

function glorotWeights(spec: NetworkSpec, rng: Rng): tf.Tensor[] {
  return parameterShapes(spec).map((shape) => {
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
    // Saved tensors outlive the forward pass; x may be an intermediate that would not.
    save([out, x]);
    return {
      value: out,
      gradFunc: (dy, saved) => {
        const [outSaved, xSaved] = saved as tf.Tensor2D[];
        return host
          ? hostBackward(dy as tf.Tensor2D, outSaved, xSaved, w, options)
          : deviceBackward(dy as tf.Tensor2D, outSaved, xSaved, w, options);
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
}

/** The network applied to `x` with the given parameters (kernel, bias per dense layer). */
export function forward(
  spec: NetworkSpec,
  params: tf.Tensor[],
  x: tf.Tensor2D,
  options: ForwardOptions = {},
): tf.Tensor2D {
  // Rank 2 on the dense path; rank 4 (NHWC) between reshapes into and out of a conv stack.
  let h = x;
  let param = 0;
  let dropout = 0;
  let xNeedsGrad = Boolean(options.inputNeedsGrad);
  const paramsNeedGrad = options.paramsNeedGrad !== false;
  // Whether h is the output of a dense block that hands its gradient over transposed.
  let inputFromBlock = false;
  const layers = spec.layers;
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index];
    switch (layer.kind) {
      case 'dense': {
        // A dense layer takes the LeakyReLU and dropout that follow it into one block.
        let alpha: number | null = null;
        let mask: tf.Tensor2D | null = null;
        const next = layers[index + 1];
        if (next?.kind === 'leakyRelu') {
          alpha = next.alpha;
          index++;
        }
        if (layers[index + 1]?.kind === 'dropout') {
          if (options.dropoutMasks) mask = options.dropoutMasks[dropout];
          dropout++;
          index++;
        }
        const w = params[param++] as tf.Tensor2D;
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
        const conv = layer.kind === 'conv2d' ? conv2d(h4, kernel, convOptions) : conv2dTranspose(h4, kernel, convOptions);
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
  let width = spec.inputSize;
  for (const layer of spec.layers) {
    if (layer.kind === 'dense') width = layer.units;
    if (layer.kind === 'dropout') widths.push({ width, rate: layer.rate });
  }
  return widths;
}
