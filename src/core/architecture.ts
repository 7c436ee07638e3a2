/**
 * Networks described as plain data, so presets, checkpoints and the UI can carry them without
 * tfjs. `network.ts` turns a description into a tf.layers model and a trainable forward pass.
 */

export type LayerSpec =
  | { kind: 'dense'; units: number }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'dropout'; rate: number }
  | { kind: 'tanh' }
  | { kind: 'sigmoid' };

export interface NetworkSpec {
  name: string;
  inputSize: number;
  layers: LayerSpec[];
}

export const LATENT_SIZE = 100;

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

/** Shapes of the trainable tensors, in order: kernel then bias for every dense layer. */
export function parameterShapes(spec: NetworkSpec): number[][] {
  const shapes: number[][] = [];
  let width = spec.inputSize;
  for (const layer of spec.layers) {
    if (layer.kind === 'dense') {
      shapes.push([width, layer.units], [layer.units]);
      width = layer.units;
    }
  }
  return shapes;
}

export function parameterCount(spec: NetworkSpec): number {
  return parameterShapes(spec).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

export function outputSize(spec: NetworkSpec): number {
  let width = spec.inputSize;
  for (const layer of spec.layers) if (layer.kind === 'dense') width = layer.units;
  return width;
}
