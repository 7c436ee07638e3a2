/**
 * A generator as the exporters see it: an inference-time chain of layers with their weights,
 * read either from a network description plus its weights or from a tf.layers model (including
 * an imported one). Layers that are the identity at inference (dropout, the input layer) are
 * dropped here, so writers only meet layers that compute something. tfjs is used for types only.
 */
import type * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_EPSILON, type NetworkSpec, labelLayerIndex, layerOutputShapes, parameterShapes, weightShapes } from '../architecture';

export type ExportLayer =
  /** x·kernel + bias; kernel row-major [inputSize, units] as tf.layers stores it. */
  | { kind: 'dense'; inputSize: number; units: number; kernel: Float32Array; bias: Float32Array | null }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'relu' }
  /** A class-conditional generator's one-hot label (its second input) joins the values: [n] → [n + classes]. */
  | { kind: 'label'; classes: number }
  /**
   * Inference-time batch normalisation over the last axis (channels):
   * gamma·(x − mean)/√(variance + epsilon) + beta, each [channels].
   */
  | {
      kind: 'batchNorm';
      channels: number;
      gamma: Float32Array;
      beta: Float32Array;
      mean: Float32Array;
      variance: Float32Array;
      epsilon: number;
    }
  | { kind: 'tanh' }
  | { kind: 'sigmoid' }
  /** Per-example reshape with tf.layers' (NHWC) meaning: [h, w, c] or a flat [n]. */
  | { kind: 'reshape'; shape: number[] }
  /**
   * 'same'-padded convolution of an [inHeight, inWidth, inChannels] input; kernel row-major in
   * tf.layers' layout: conv2d [k, k, in, filters], conv2dTranspose [k, k, filters, in].
   */
  | {
      kind: 'conv2d' | 'conv2dTranspose';
      inHeight: number;
      inWidth: number;
      inChannels: number;
      filters: number;
      kernelSize: number;
      stride: number;
      kernel: Float32Array;
      bias: Float32Array | null;
    };

export interface ExportNetwork {
  inputSize: number;
  /** A class-conditional generator's second input: a one-hot label of this many classes; else null. */
  classes: number | null;
  outputSize: number;
  layers: ExportLayer[];
}

/** A network description with its weights (parameters then state, as weightShapes lists them). */
export interface SpecWithWeights {
  spec: NetworkSpec;
  weights: Float32Array[];
}

export type GeneratorSource = SpecWithWeights | tf.LayersModel;

type Layer = tf.LayersModel['layers'][number];

export function isSpecWithWeights(source: GeneratorSource): source is SpecWithWeights {
  return 'spec' in source && 'weights' in source;
}

function assertNever(value: never): never {
  throw new Error(`Unexpected layer ${JSON.stringify(value)}.`);
}

export function networkFromSpec({ spec, weights }: SpecWithWeights): ExportNetwork {
  const shapes = weightShapes(spec);
  if (weights.length !== shapes.length) {
    throw new Error(
      `The ${spec.name} has ${shapes.length} weight tensors but ${weights.length} were given.`,
    );
  }
  shapes.forEach((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (weights[i].length !== size) {
      throw new Error(
        `Weight tensor ${i} of the ${spec.name} should hold ${size} values ([${shape.join(', ')}]) ` +
          `but holds ${weights[i].length}.`,
      );
    }
  });
  const layers: ExportLayer[] = [];
  const outputs = layerOutputShapes(spec);
  let shape = [spec.inputSize];
  let param = 0;
  let state = parameterShapes(spec).length;
  const labelled = spec.classes ? labelLayerIndex(spec) : -1;
  for (const [index, layer] of spec.layers.entries()) {
    if (index === labelled) {
      layers.push({ kind: 'label', classes: spec.classes! });
      shape = [shape[0] + spec.classes!];
    }
    switch (layer.kind) {
      case 'dense':
        layers.push({
          kind: 'dense',
          inputSize: shape[0],
          units: layer.units,
          kernel: weights[param++],
          bias: weights[param++],
        });
        break;
      case 'reshape':
        layers.push({ kind: 'reshape', shape: [...layer.shape] });
        break;
      case 'conv2d':
      case 'conv2dTranspose':
        layers.push({
          kind: layer.kind,
          inHeight: shape[0],
          inWidth: shape[1],
          inChannels: shape[2],
          filters: layer.filters,
          kernelSize: layer.kernel,
          stride: layer.stride,
          kernel: weights[param++],
          bias: weights[param++],
        });
        break;
      case 'leakyRelu':
        layers.push({ kind: 'leakyRelu', alpha: layer.alpha });
        break;
      case 'dropout':
        break;
      case 'batchNorm':
        layers.push({
          kind: 'batchNorm',
          channels: shape[shape.length - 1],
          gamma: weights[param++],
          beta: weights[param++],
          mean: weights[state++],
          variance: weights[state++],
          epsilon: BATCH_NORM_EPSILON,
        });
        break;
      case 'minibatchStd':
        throw new Error(`Layer ${index} of the ${spec.name} is a minibatchStd layer, which only a discriminator has; the export writes generators.`);
      case 'relu':
      case 'tanh':
      case 'sigmoid':
        layers.push({ kind: layer.kind });
        break;
      default:
        assertNever(layer);
    }
    shape = outputs[index];
  }
  return { inputSize: spec.inputSize, classes: spec.classes ?? null, outputSize: shape.reduce((a, b) => a * b, 1), layers };
}

/** Layers that compute nothing at inference. */
const IDENTITY_LAYERS = new Set([
  'InputLayer',
  'Dropout',
  'AlphaDropout',
  'GaussianDropout',
  'GaussianNoise',
  'SpatialDropout1D',
]);

/** A Keras activation name as the lab's layers ('linear': none); null for one the lab does not convert. */
export function kerasActivation(name: unknown): { kind: 'relu' | 'tanh' | 'sigmoid' }[] | null {
  const kind = name ?? 'linear';
  if (kind === 'linear') return [];
  return kind === 'relu' || kind === 'tanh' || kind === 'sigmoid' ? [{ kind }] : null;
}

function activationLayers(activation: unknown, where: string): ExportLayer[] {
  const layers = kerasActivation(activation);
  if (!layers) throw new Error(`${where} uses the activation "${String(activation)}", which the export does not convert yet.`);
  return layers;
}

/** Reads a chain model's layers and weights (the weights are copied). */
export async function networkFromLayersModel(model: tf.LayersModel): Promise<ExportNetwork> {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `The model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; a generator has one of each.`,
    );
  }
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 2 || typeof inputShape[1] !== 'number') {
    throw new Error(`The model's input has shape [${inputShape.join(', ')}]; [batch, values] expected.`);
  }
  const inputSize = inputShape[1];
  const layers: ExportLayer[] = [];
  let width = inputSize;
  /** The per-example shape flowing through the chain. */
  let shape: number[] = [inputSize];
  let previous: Layer | null = null;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const where = `Layer "${layer.name}" (${className})`;
    const inbound = layer.inboundNodes.flatMap((node) => node.inboundLayers);
    if (previous !== null && (inbound.length !== 1 || inbound[0] !== previous)) {
      throw new Error(`${where} does not follow the previous layer; only chains of layers are exported.`);
    }
    previous = layer;
    const config = layer.getConfig();
    if (IDENTITY_LAYERS.has(className)) continue;
    switch (className) {
      case 'Dense': {
        const [kernel, bias] = layer.getWeights();
        const [rows, units] = kernel.shape;
        if (kernel.shape.length !== 2 || rows !== width) {
          throw new Error(`${where} has a kernel of shape [${kernel.shape.join(', ')}] after a layer of width ${width}.`);
        }
        layers.push({
          kind: 'dense',
          inputSize: rows,
          units,
          kernel: new Float32Array(await kernel.data()),
          bias: bias ? new Float32Array(await bias.data()) : null,
        });
        layers.push(...activationLayers(config.activation, where));
        width = units;
        shape = [units];
        break;
      }
      case 'Reshape':
      case 'Flatten': {
        const out = layer.outputShape as (number | null)[];
        const target = out.slice(1).map(Number);
        layers.push({ kind: 'reshape', shape: target });
        shape = target;
        width = target.reduce((a, b) => a * b, 1);
        break;
      }
      case 'Conv2D':
      case 'Conv2DTranspose': {
        const transpose = className === 'Conv2DTranspose';
        const [kernel, bias] = layer.getWeights();
        const [kh, kw, a, b] = kernel.shape;
        const inChannels = transpose ? b : a;
        const filters = transpose ? a : b;
        const strides = config.strides as number[];
        const dilation = config.dilationRate as number[] | number | undefined;
        if (shape.length !== 3 || shape[2] !== inChannels || kh !== kw || strides[0] !== strides[1] ||
            config.padding !== 'same' || config.dataFormat !== 'channelsLast' ||
            (Array.isArray(dilation) ? dilation.some((d) => d !== 1) : (dilation ?? 1) !== 1)) {
          throw new Error(`${where}: only square, undilated, 'same'-padded channels-last convolutions are converted.`);
        }
        layers.push({
          kind: transpose ? 'conv2dTranspose' : 'conv2d',
          inHeight: shape[0],
          inWidth: shape[1],
          inChannels,
          filters,
          kernelSize: kh,
          stride: strides[0],
          kernel: new Float32Array(await kernel.data()),
          bias: bias ? new Float32Array(await bias.data()) : null,
        });
        const out = (layer.outputShape as number[]).slice(1);
        layers.push(...activationLayers(config.activation, where));
        shape = out;
        width = out.reduce((x, y) => x * y, 1);
        break;
      }
      case 'LeakyReLU':
        layers.push({ kind: 'leakyRelu', alpha: Number(config.alpha ?? 0.3) });
        break;
      case 'BatchNormalization': {
        const channels = shape[shape.length - 1];
        const axis = Array.isArray(config.axis) ? config.axis : [config.axis];
        if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== shape.length)) {
          throw new Error(`${where} normalises axis ${JSON.stringify(config.axis)}; only the last (channels) axis is converted.`);
        }
        // Keras leaves gamma out without scale, beta without center.
        const values = await Promise.all(layer.getWeights().map(async (w) => new Float32Array(await w.data())));
        const gamma = config.scale === false ? new Float32Array(channels).fill(1) : values.shift()!;
        const beta = config.center === false ? new Float32Array(channels) : values.shift()!;
        const [mean, variance] = values;
        layers.push({ kind: 'batchNorm', channels, gamma, beta, mean, variance, epsilon: Number(config.epsilon ?? BATCH_NORM_EPSILON) });
        break;
      }
      case 'ReLU':
        if (config.maxValue != null) {
          throw new Error(`${where} caps its output at ${String(config.maxValue)}, which the export does not convert yet.`);
        }
        layers.push({ kind: 'relu' });
        break;
      case 'Activation':
        layers.push(...activationLayers(config.activation, where));
        break;
      default:
        throw new Error(`${where}: the export does not convert ${className} layers yet.`);
    }
  }
  return { inputSize, classes: null, outputSize: width, layers };
}

export async function exportNetwork(source: GeneratorSource): Promise<ExportNetwork> {
  return isSpecWithWeights(source) ? networkFromSpec(source) : networkFromLayersModel(source);
}
