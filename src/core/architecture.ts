/**
 * Networks described as plain data, so presets, checkpoints and the UI can carry them without
 * tfjs. `network.ts` turns a description into a tf.layers model and a trainable forward pass.
 */
import { LATENT_SIZE } from './digits';

export type LayerSpec =
  /** spectralNorm (D only): the kernel is divided by its largest singular value (Miyato et al.). */
  | { kind: 'dense'; units: number; spectralNorm?: boolean }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'relu' }
  /**
   * D only (ProGAN): appends one feature, the mean over features of the standard deviation of
   * each feature over the batch: [n] → [n + 1], [h, w, c] → [h, w, c + 1]. No parameters.
   */
  | { kind: 'minibatchStd' }
  | { kind: 'dropout'; rate: number }
  /**
   * G only. Normalises each feature (the last axis: units, or channels of an [h, w, c] input)
   * with the batch's mean and variance while training, with the moving ones otherwise, then
   * scales by gamma and shifts by beta (trainable, [c] each). Each training pass moves the
   * moving statistics towards the batch's: moving ← momentum·moving + (1 − momentum)·batch.
   * ε = 1e-3 and momentum 0.99 by default, as Keras.
   */
  | { kind: 'batchNorm'; momentum?: number }
  | { kind: 'tanh' }
  | { kind: 'sigmoid' }
  /** Per-example shape change: [h, w, c] into a conv stack (NHWC), [n] back out of it. */
  | { kind: 'reshape'; shape: number[] }
  /**
   * 'same' padding; kernel [k, k, in, filters] then bias [filters], as tf.layers stores them.
   * spectralNorm (D only) as for dense, the kernel read as a [k·k·in, filters] matrix.
   */
  | { kind: 'conv2d'; filters: number; kernel: number; stride: number; spectralNorm?: boolean }
  /** 'same' padding, output H·stride × W·stride; kernel [k, k, filters, in] then bias [filters]. */
  | { kind: 'conv2dTranspose'; filters: number; kernel: number; stride: number };

/** Keras' BatchNormalization defaults, which the lab keeps. */
export const BATCH_NORM_EPSILON = 1e-3;
export const BATCH_NORM_MOMENTUM = 0.99;

export interface NetworkSpec {
  name: string;
  inputSize: number;
  layers: LayerSpec[];
  /**
   * Class conditioning: the network also takes a label, one-hot over `classes` values, joined
   * to the input of its first dense layer (whose kernel gains `classes` rows). Absent: none.
   * A recipe's `conditioning` sets it (recipeNetworks); recipes' own networks leave it out.
   */
  classes?: number;
}

/** The index of the layer a class label joins: the first dense one, or -1. */
export function labelLayerIndex(spec: NetworkSpec): number {
  return spec.layers.findIndex((layer) => layer.kind === 'dense');
}


/** The seed preset's generator: Dense 100→256→512→1024→784, LeakyReLU(0.2), tanh out. */
export const SEED_GENERATOR: NetworkSpec = {
  name: 'generator',
  inputSize: LATENT_SIZE,
  layers: [
    { kind: 'dense', units: 256 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dense', units: 512 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dense', units: 1024 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dense', units: 784 },
    { kind: 'tanh' },
  ],
};

/** The seed preset's discriminator: Dense 784→1024→512→256→1, dropout 0.3 after the first two. */
export const SEED_DISCRIMINATOR: NetworkSpec = {
  name: 'discriminator',
  inputSize: 784,
  layers: [
    { kind: 'dense', units: 1024 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dropout', rate: 0.3 },
    { kind: 'dense', units: 512 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dropout', rate: 0.3 },
    { kind: 'dense', units: 256 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dense', units: 1 },
    { kind: 'sigmoid' },
  ],
};

/** The per-example shape after each layer (the input's first), e.g. [784] or [14, 14, 64]. */
export function layerOutputShapes(spec: NetworkSpec): number[][] {
  const shapes: number[][] = [];
  let shape = [spec.inputSize];
  for (const layer of spec.layers) {
    switch (layer.kind) {
      case 'dense':
        if (shape.length !== 1) throw new Error(`${spec.name}: a dense layer needs a flat input, got [${shape.join(', ')}].`);
        shape = [layer.units];
        break;
      case 'reshape': {
        const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
        if (size(layer.shape) !== size(shape)) {
          throw new Error(`${spec.name}: cannot reshape [${shape.join(', ')}] to [${layer.shape.join(', ')}].`);
        }
        shape = [...layer.shape];
        break;
      }
      case 'conv2d':
      case 'conv2dTranspose': {
        if (shape.length !== 3) throw new Error(`${spec.name}: a ${layer.kind} layer needs an [h, w, c] input.`);
        const [h, w] = shape;
        shape =
          layer.kind === 'conv2d'
            ? [Math.ceil(h / layer.stride), Math.ceil(w / layer.stride), layer.filters]
            : [h * layer.stride, w * layer.stride, layer.filters];
        break;
      }
      case 'minibatchStd':
        shape = [...shape.slice(0, -1), shape[shape.length - 1] + 1];
        break;
      default:
        break;
    }
    shapes.push(shape);
  }
  return shapes;
}

/**
 * Shapes of the trainable tensors, in layer order: kernel then bias for every dense and conv
 * layer (dense [in, units]; conv2d [k, k, in, filters]; conv2dTranspose [k, k, filters, in]),
 * gamma then beta ([c]) for every batch norm, as a Layers model lists its trainable weights.
 * The dense layer a class label joins takes `classes` more rows.
 */
export function parameterShapes(spec: NetworkSpec): number[][] {
  const shapes: number[][] = [];
  let shape = [spec.inputSize];
  const outputs = layerOutputShapes(spec);
  const labelled = spec.classes ? labelLayerIndex(spec) : -1;
  spec.layers.forEach((layer, index) => {
    if (layer.kind === 'dense') shapes.push([shape[0] + (index === labelled ? spec.classes! : 0), layer.units], [layer.units]);
    if (layer.kind === 'batchNorm') shapes.push([shape[shape.length - 1]], [shape[shape.length - 1]]);
    if (layer.kind === 'conv2d') shapes.push([layer.kernel, layer.kernel, shape[2], layer.filters], [layer.filters]);
    if (layer.kind === 'conv2dTranspose') {
      shapes.push([layer.kernel, layer.kernel, layer.filters, shape[2]], [layer.filters]);
    }
    shape = outputs[index];
  });
  return shapes;
}

/**
 * Shapes of the non-trainable state, in layer order: batch norm's moving mean then moving
 * variance ([c] each; a Layers model lists them after all trainable weights), spectral
 * normalisation's power-iteration vector u ([units] or [filters]). Training updates them;
 * checkpoints keep them so that a resume is exact.
 */
export function stateShapes(spec: NetworkSpec): number[][] {
  const shapes: number[][] = [];
  const outputs = layerOutputShapes(spec);
  spec.layers.forEach((layer, index) => {
    if (layer.kind === 'batchNorm') shapes.push([outputs[index].at(-1)!], [outputs[index].at(-1)!]);
    if ((layer.kind === 'dense' || layer.kind === 'conv2d') && layer.spectralNorm) {
      shapes.push([layer.kind === 'dense' ? layer.units : layer.filters]);
    }
  });
  return shapes;
}

/**
 * Every tensor of a network, in the order `forward`, checkpoints and exports take them: the
 * parameters (parameterShapes), then the state (stateShapes).
 */
export function weightShapes(spec: NetworkSpec): number[][] {
  return [...parameterShapes(spec), ...stateShapes(spec)];
}

export function parameterCount(spec: NetworkSpec): number {
  return parameterShapes(spec).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

/** Values per example at the output. */
export function outputSize(spec: NetworkSpec): number {
  const shapes = layerOutputShapes(spec);
  const last = shapes.length > 0 ? shapes[shapes.length - 1] : [spec.inputSize];
  return last.reduce((a, b) => a * b, 1);
}

/**
 * A DCGAN-style generator: dense 100 → 7·7·128, then two stride-2 transposed convolutions
 * (7 → 14 → 28), LeakyReLU(0.2) between, tanh out, flattened to 784. No batch normalisation
 * (a recipe can add {"kind": "batchNorm"} layers).
 */
export const DCGAN_GENERATOR: NetworkSpec = {
  name: 'generator',
  inputSize: LATENT_SIZE,
  layers: [
    { kind: 'dense', units: 7 * 7 * 128 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'reshape', shape: [7, 7, 128] },
    { kind: 'conv2dTranspose', filters: 64, kernel: 4, stride: 2 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'conv2dTranspose', filters: 1, kernel: 4, stride: 2 },
    { kind: 'tanh' },
    { kind: 'reshape', shape: [784] },
  ],
};

/** A DCGAN-style discriminator: two stride-2 convolutions (28 → 14 → 7), LeakyReLU(0.2), dense 1. */
export const DCGAN_DISCRIMINATOR: NetworkSpec = {
  name: 'discriminator',
  inputSize: 784,
  layers: [
    { kind: 'reshape', shape: [28, 28, 1] },
    { kind: 'conv2d', filters: 64, kernel: 4, stride: 2 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'conv2d', filters: 128, kernel: 4, stride: 2 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'reshape', shape: [7 * 7 * 128] },
    { kind: 'dense', units: 1 },
    { kind: 'sigmoid' },
  ],
};
