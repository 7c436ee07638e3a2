/**
 * From a network description to (a) a tf.layers model, which owns the variables and is what
 * gets exported, and (b) a functional forward pass over those variables that training
 * differentiates. The forward pass uses dense ops with explicit transposes in their gradients:
 * tfjs' default BatchMatMul gradient uses transposed operands, which the wasm backend runs on a
 * slow path (profiled: >90% of a step).
 */
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec, parameterShapes } from './architecture';
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
    }
    return tf.tensor(values, shape);
  });
}

/** The model's trainable variables, kernel then bias for each dense layer (as parameterShapes). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

type Dense = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** x·w + b, differentiable in x, w and b. */
const denseOp = tf.customGrad((x, w, b, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor2D, w as tf.Tensor2D]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor1D),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2), tf.sum(dy2, 0)];
    },
  };
}) as unknown as Dense;

/** x·w + b where x is data: no gradient flows to x, so its matmul is never computed. */
function denseOnData(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((wv, bv) => {
    return {
      value: tf.add(tf.matMul(x, wv as tf.Tensor2D), bv as tf.Tensor1D),
      gradFunc: (dy) => [tf.matMul(tf.transpose(x), dy as tf.Tensor2D), tf.sum(dy, 0)],
    };
  }) as unknown as (w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(w, b);
}

/** x·w + b where w and b are held fixed (D inside G's update): only x gets a gradient. */
function denseFixed(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((xv) => {
    return {
      value: tf.add(tf.matMul(xv as tf.Tensor2D, w), b),
      gradFunc: (dy) => tf.matMul(dy as tf.Tensor2D, tf.transpose(w)),
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
  let h = x;
  let param = 0;
  let dropout = 0;
  let onData = !options.inputNeedsGrad;
  const fixed = options.paramsNeedGrad === false;
  spec.layers.forEach((layer, index) => {
    switch (layer.kind) {
      case 'dense': {
        const w = params[param++] as tf.Tensor2D;
        const b = params[param++] as tf.Tensor1D;
        if (fixed) h = onData ? tf.add(tf.matMul(h, w), b) : denseFixed(h, w, b);
        else h = onData ? denseOnData(h, w, b) : denseOp(h, w, b);
        onData = false;
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
        h = tf.tanh(h);
        break;
      case 'sigmoid':
        if (!(options.logits && index === spec.layers.length - 1)) h = tf.sigmoid(h);
        break;
    }
  });
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
