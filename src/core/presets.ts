/**
 * Named recipes: a preset is a recipe (recipe.ts) with a label, a description and a default
 * length of run. tfjs-free, so the UI can list presets.
 */
import {
  DCGAN_DISCRIMINATOR,
  DCGAN_GENERATOR,
  SEED_DISCRIMINATOR,
  SEED_GENERATOR,
} from './architecture';
import type { AdamRecipe, AverageRecipe, Recipe } from './recipe';

export interface PresetInfo {
  label: string;
  description: string;
  /** How long a run of this preset is and how often it keeps G; the user can change these. */
  schedule: {
    epochs: number;
    stepsPerEpoch: number;
    checkpointEvery: number;
  };
  /** Everything that defines training. */
  recipe: Recipe;
}

const SEED_ADAM: AdamRecipe = { lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };

/** The original Keras recipe, exactly. */
const SEED: PresetInfo = {
  label: 'Seed (Keras original)',
  description:
    'The original Keras recipe: dense G 100→256→512→1024→784 and D 784→1024→512→256→1, ' +
    'LeakyReLU 0.2, dropout 0.3 in D, Adam 2e-4 / β1 0.5, label smoothing 0.9. ' +
    'One "epoch" is 128 steps of batch 128, as in the original script.',
  schedule: { epochs: 200, stepsPerEpoch: 128, checkpointEvery: 20 },
  recipe: {
    generator: SEED_GENERATOR,
    discriminator: SEED_DISCRIMINATOR,
    loss: 'bce',
    realTarget: 0.9,
    gOptimizer: SEED_ADAM,
    dOptimizer: SEED_ADAM,
    dStepsPerGStep: 1,
    lrSchedule: 'constant',
    batchSize: 128,
    average: null,
    r1: null,
    instanceNoise: null,
    conditioning: 'none',
  },
};

const DCGAN: PresetInfo = {
  label: 'DCGAN (conv)',
  description:
    'Convolutional G (dense → 7x7x128, transposed convs 4x4 stride 2 to 14x14x64 and 28x28x1, ' +
    'tanh) and D (convs 4x4 stride 2 to 14x14x64 and 7x7x128, dense 1), LeakyReLU 0.2, ' +
    'Adam 2e-4 / β1 0.5, label smoothing 0.9, batch 64. One epoch is 128 steps.',
  schedule: { epochs: 100, stepsPerEpoch: 128, checkpointEvery: 10 },
  recipe: { ...SEED.recipe, generator: DCGAN_GENERATOR, discriminator: DCGAN_DISCRIMINATOR, batchSize: 64 },
};

/**
 * The `-ema` presets' weight average: about the last thousand steps, without warm-up, as they
 * were measured (docs/runs); an edited recipe can ask for the warm-up.
 */
const AVERAGE: AverageRecipe = { decay: 0.999, warmup: false };

export const PRESETS = {
  seed: SEED,
  dcgan: DCGAN,
  'seed-ema': {
    ...SEED,
    label: 'Seed + weight average',
    description:
      "The seed recipe, drawing from an exponential moving average of G's weights (decay 0.999, " +
      'about the last thousand steps) instead of the latest weights: the average smooths out the ' +
      'step-to-step swings of adversarial training, so the digits are cleaner at no training cost.',
    recipe: { ...SEED.recipe, average: AVERAGE },
  },
  'dcgan-ema': {
    ...DCGAN,
    label: 'DCGAN + weight average',
    description: "The DCGAN preset, drawing from an exponential moving average of G's weights (decay 0.999).",
    recipe: { ...DCGAN.recipe, average: AVERAGE },
  },
  'class-ema': {
    ...SEED,
    label: 'Class-conditional + weight average (best digits)',
    description:
      "The seed networks, each also given the digit's class (G and D are class-conditional), at " +
      "batch 64, drawing from an exponential moving average of G's weights (decay 0.999, warmed " +
      'up over the first steps). The best digits per minute measured here (README, "Presets"); ' +
      'samples can ask for any digit.',
    schedule: { epochs: 150, stepsPerEpoch: 128, checkpointEvery: 10 },
    recipe: { ...SEED.recipe, batchSize: 64, average: { decay: 0.999, warmup: true }, conditioning: 'class' },
  },
} satisfies Record<string, PresetInfo>;

export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
