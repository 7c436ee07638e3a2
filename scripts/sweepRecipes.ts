/**
 * The recipes `npm run sweep` compares, each a whole recipe built from a preset plus the changes
 * it tries, so a row says what it changed. Names are short and stable: the sweep's table and
 * grids are keyed by them. The list covers what the quality search asks about: the weight
 * average (warm-up, decay), a learning-rate decay to zero, hinge and least-squares against the
 * non-saturating loss, R1, separate learning rates, a slim convolutional D, a conv G with batch
 * normalisation, minibatch standard deviation, class conditioning and the batch size, all at
 * equal minutes.
 */
import type { LayerSpec, NetworkSpec } from '../src/core/architecture';
import { PRESETS, type PresetName } from '../src/core/presets';
import type { Recipe } from '../src/core/recipe';

export interface SweepRecipe {
  name: string;
  /** The preset the recipe starts from. */
  base: PresetName;
  /** What it changes, in a few words, for the table. */
  change: string;
  recipe: Recipe;
}

const seed = PRESETS.seed.recipe;
const dcgan = PRESETS.dcgan.recipe;

/** The seed recipe with a warmed-up average: the base of most rows. */
const averaged: Recipe = { ...seed, average: { decay: 0.999, warmup: true } };

/** DCGAN's D at half the filters (32 and 64) for a dense G: about a quarter of its cost. */
const SLIM_CONV_D: NetworkSpec = {
  ...dcgan.discriminator,
  layers: dcgan.discriminator.layers.map((layer): LayerSpec => {
    if (layer.kind === 'conv2d') return { ...layer, filters: layer.filters / 2 };
    // The flattening reshape after the last convolution: 7 × 7 × 64.
    return layer.kind === 'reshape' && layer.shape.length === 1 ? { kind: 'reshape', shape: [layer.shape[0] / 2] } : layer;
  }),
};

/** DCGAN's G with batch normalisation after the dense layer and the first transposed convolution. */
const BATCH_NORM_G: NetworkSpec = {
  ...dcgan.generator,
  layers: dcgan.generator.layers.flatMap<LayerSpec>((layer) => (layer.kind === 'leakyRelu' ? [{ kind: 'batchNorm' }, layer] : [layer])),
};

/** The seed D with minibatch standard deviation before its last dense layer. */
const MBSTD_D: NetworkSpec = {
  ...seed.discriminator,
  layers: seed.discriminator.layers.flatMap<LayerSpec>((layer, i, all) =>
    layer.kind === 'dense' && all.slice(i + 1).every((l) => l.kind !== 'dense') ? [{ kind: 'minibatchStd' }, layer] : [layer],
  ),
};

const adam = (recipe: Recipe, g: number, d: number): Recipe => ({
  ...recipe,
  gOptimizer: { ...recipe.gOptimizer, lr: g },
  dOptimizer: { ...recipe.dOptimizer, lr: d },
});

export const SWEEP_RECIPES: readonly SweepRecipe[] = [
  { name: 'seed', base: 'seed', change: 'the original recipe', recipe: seed },
  { name: 'seed-ema', base: 'seed-ema', change: 'average 0.999, no warm-up (the preset)', recipe: PRESETS['seed-ema'].recipe },
  { name: 'ema-warm', base: 'seed', change: 'average 0.999 with warm-up', recipe: averaged },
  { name: 'ema-warm-0.9995', base: 'seed', change: 'average 0.9995 with warm-up', recipe: { ...averaged, average: { decay: 0.9995, warmup: true } } },
  { name: 'ema-linear', base: 'seed', change: 'average with warm-up, learning rates fall linearly to 0', recipe: { ...averaged, lrSchedule: 'linear' } },
  { name: 'ema-hinge', base: 'seed', change: 'average with warm-up, hinge loss', recipe: { ...averaged, loss: 'hinge', realTarget: 1 } },
  { name: 'ema-lsgan', base: 'seed', change: 'average with warm-up, least-squares loss', recipe: { ...averaged, loss: 'leastSquares', realTarget: 1 } },
  { name: 'ema-r1', base: 'seed', change: 'average with warm-up, R1 γ 5 every 4 D updates', recipe: { ...averaged, r1: { gamma: 5, every: 4 } } },
  { name: 'ema-ttur', base: 'seed', change: 'average with warm-up, G lr 1e-4, D lr 4e-4', recipe: adam(averaged, 1e-4, 4e-4) },
  { name: 'ema-lr4', base: 'seed', change: 'average with warm-up, both lr 4e-4', recipe: adam(averaged, 4e-4, 4e-4) },
  { name: 'ema-mbstd', base: 'seed', change: 'average with warm-up, minibatch std in D', recipe: { ...averaged, discriminator: MBSTD_D } },
  { name: 'ema-class', base: 'seed', change: 'average with warm-up, class-conditional G and D', recipe: { ...averaged, conditioning: 'class' } },
  { name: 'ema-batch64', base: 'seed', change: 'average with warm-up, batch 64', recipe: { ...averaged, batchSize: 64 } },
  { name: 'ema-ttur-batch64', base: 'seed', change: 'average with warm-up, G lr 1e-4, D lr 4e-4, batch 64', recipe: { ...adam(averaged, 1e-4, 4e-4), batchSize: 64 } },
  { name: 'ema-batch64-0.9995', base: 'seed', change: 'average 0.9995 with warm-up, batch 64', recipe: { ...averaged, batchSize: 64, average: { decay: 0.9995, warmup: true } } },
  { name: 'ema-batch64-class', base: 'seed', change: 'average with warm-up, batch 64, class-conditional G and D', recipe: { ...averaged, batchSize: 64, conditioning: 'class' } },
  {
    name: 'ema-batch64-class-0.9995',
    base: 'seed',
    change: 'average 0.9995 with warm-up, batch 64, class-conditional G and D',
    recipe: { ...averaged, batchSize: 64, conditioning: 'class', average: { decay: 0.9995, warmup: true } },
  },
  {
    name: 'ema-lr4-batch64-class',
    base: 'seed',
    change: 'average with warm-up, both lr 4e-4, batch 64, class-conditional G and D',
    recipe: { ...adam(averaged, 4e-4, 4e-4), batchSize: 64, conditioning: 'class' },
  },
  { name: 'ema-batch32', base: 'seed', change: 'average with warm-up, batch 32', recipe: { ...averaged, batchSize: 32 } },
  { name: 'ema-batch256', base: 'seed', change: 'average with warm-up, batch 256', recipe: { ...averaged, batchSize: 256 } },
  {
    name: 'ema-batch64-class-conv-d',
    base: 'seed',
    change: 'average with warm-up, batch 64, class-conditional G and D, DCGAN D at half width',
    recipe: { ...averaged, batchSize: 64, conditioning: 'class', discriminator: SLIM_CONV_D },
  },
  { name: 'ema-conv-d', base: 'seed', change: 'average with warm-up, DCGAN D at half width (32, 64 filters)', recipe: { ...averaged, discriminator: SLIM_CONV_D } },
  {
    name: 'dcgan-bn-ema',
    base: 'dcgan',
    change: 'DCGAN with batch norm in G, average with warm-up',
    recipe: { ...dcgan, generator: BATCH_NORM_G, average: { decay: 0.999, warmup: true } },
  },
];

export function sweepRecipe(name: string): SweepRecipe {
  const found = SWEEP_RECIPES.find((r) => r.name === name);
  if (!found) throw new Error(`There is no sweep recipe "${name}"; they are ${SWEEP_RECIPES.map((r) => r.name).join(', ')}.`);
  return found;
}
