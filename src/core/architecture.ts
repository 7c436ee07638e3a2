/**
 * Networks described as plain data, so presets, checkpoints and the UI can carry them without
 * tfjs. `network.ts` turns a description into a tf.layers model and a trainable forward pass.
 */
import { LATENT_SIZE } from './digits';

export type LayerSpec =
  | { kind: 'dense'; units: number }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'dropout'; rate: number }
  | { kind: 'tanh' }
  | { kind: 'sigmoid' }
  /** Per-example shape change: [h, w, c] into a conv stack (NHWC), [n] back out of it. */
  | { kind: 'reshape'; shape: number[] }
  /** 'same' padding; kernel [k, k, in, filters] then bias [filters], as tf.layers stores them. */
  | { kind: 'conv2d'; filters: number; kernel: number; stride: number }
  /** 'same' padding, output H·stride × W·stride; kernel [k, k, filters, in] then bias [filters]. */
  | { kind: 'conv2dTranspose'; filters: number; kernel: number; stride: number };

export interface NetworkSpec {
  name: string;
  inputSize: number;
  layers: LayerSpec[];
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
      default:
        break;
    }
    shapes.push(shape);
  }
  return shapes;
}

/**
 * Shapes of the trainable tensors, in order: kernel then bias for every dense and conv layer
 * (dense [in, units]; conv2d [k, k, in, filters]; conv2dTranspose [k, k, filters, in]).
 */
export function parameterShapes(spec: NetworkSpec): number[][] {
  const shapes: number[][] = [];
  let shape = [spec.inputSize];
  const outputs = layerOutputShapes(spec);
  spec.layers.forEach((layer, index) => {
    if (layer.kind === 'dense') shapes.push([shape[0], layer.units], [layer.units]);
    if (layer.kind === 'conv2d') shapes.push([layer.kernel, layer.kernel, shape[2], layer.filters], [layer.filters]);
    if (layer.kind === 'conv2dTranspose') {
      shapes.push([layer.kernel, layer.kernel, layer.filters, shape[2]], [layer.filters]);
    }
    shape = outputs[index];
  });
  return shapes;
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
 * (7 → 14 → 28), LeakyReLU(0.2) between, tanh out, flattened to 784. No batch normalisation:
 * its running statistics would have to travel with every checkpoint and export.
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
