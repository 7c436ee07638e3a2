/**
 * Named training recipes. A preset overrides a subset of the run config and names the
 * architecture it trains. tfjs-free, so the UI can list presets.
 */
import {
  DCGAN_DISCRIMINATOR,
  DCGAN_GENERATOR,
  type NetworkSpec,
  SEED_DISCRIMINATOR,
  SEED_GENERATOR,
} from './architecture';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  /** Passed explicitly: tfjs' default on WebGL would be 1e-4. */
  epsilon: number;
}

export interface PresetInfo {
  label: string;
  description: string;
  /** Config values this preset sets; everything else comes from the defaults. */
  overrides: {
    epochs: number;
    stepsPerEpoch: number;
    checkpointEvery: number;
    batchSize: number;
    lr: number;
  };
  generator: NetworkSpec;
  discriminator: NetworkSpec;
  adam: AdamSettings;
  /** D's target for real digits (0.9: one-sided label smoothing). Fakes are 0, G aims at 1. */
  realTarget: number;
  /**
   * Decay of an exponential moving average of G's weights, updated after every G step, which is
   * then the generator that draws, samples and is exported (training goes on with the raw
   * weights). Absent: G's own weights.
   */
  generatorAverage?: number;
}

/** The original Keras recipe, exactly. */
const SEED: PresetInfo = {
  label: 'Seed (Keras original)',
  description:
    'The original Keras recipe: dense G 100→256→512→1024→784 and D 784→1024→512→256→1, ' +
    'LeakyReLU 0.2, dropout 0.3 in D, Adam 2e-4 / β1 0.5, label smoothing 0.9. ' +
    'One "epoch" is 128 steps of batch 128, as in the original script.',
  overrides: { epochs: 200, stepsPerEpoch: 128, checkpointEvery: 20, batchSize: 128, lr: 2e-4 },
  generator: SEED_GENERATOR,
  discriminator: SEED_DISCRIMINATOR,
  adam: { beta1: 0.5, beta2: 0.999, epsilon: 1e-7 },
  realTarget: 0.9,
};

const DCGAN: PresetInfo = {
  label: 'DCGAN (conv)',
  description:
    'Convolutional G (dense → 7x7x128, transposed convs 4x4 stride 2 to 14x14x64 and 28x28x1, ' +
    'tanh) and D (convs 4x4 stride 2 to 14x14x64 and 7x7x128, dense 1), LeakyReLU 0.2, ' +
    'Adam 2e-4 / β1 0.5, label smoothing 0.9, batch 64. One epoch is 128 steps.',
  overrides: { epochs: 100, stepsPerEpoch: 128, checkpointEvery: 10, batchSize: 64, lr: 2e-4 },
  generator: DCGAN_GENERATOR,
  discriminator: DCGAN_DISCRIMINATOR,
  adam: { beta1: 0.5, beta2: 0.999, epsilon: 1e-7 },
  realTarget: 0.9,
};

/** Decay of the generator weight average of the `-ema` presets: about the last thousand steps. */
const AVERAGE_DECAY = 0.999;

export const PRESETS = {
  seed: SEED,
  dcgan: DCGAN,
  'seed-ema': {
    ...SEED,
    label: 'Seed + weight average',
    description:
      'The seed recipe, drawing from an exponential moving average of G\'s weights (decay 0.999, ' +
      'about the last thousand steps) instead of the latest weights: the average smooths out the ' +
      'step-to-step swings of adversarial training, so the digits are cleaner at no training cost.',
    generatorAverage: AVERAGE_DECAY,
  },
  'dcgan-ema': {
    ...DCGAN,
    label: 'DCGAN + weight average',
    description:
      'The DCGAN preset, drawing from an exponential moving average of G\'s weights (decay 0.999).',
    generatorAverage: AVERAGE_DECAY,
  },
} satisfies Record<string, PresetInfo>;

export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
