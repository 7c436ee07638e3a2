/**
 * The README's example recipes as lab links, built from the presets so they stay valid:
 *   node scripts/runTs.mjs scripts/recipeLinks.ts
 */
import { configToSearch, parseConfig } from '../src/core/config';
import { PRESETS } from '../src/core/presets';
import type { Recipe } from '../src/core/recipe';

const seed = PRESETS.seed.recipe;
const dcgan = PRESETS.dcgan.recipe;

const examples: { title: string; preset: 'seed' | 'dcgan'; recipe: Recipe }[] = [
  {
    title: 'Seed networks, hinge loss, D learning faster than G (4e-4 / 1e-4), linear decay',
    preset: 'seed',
    recipe: {
      ...seed,
      loss: 'hinge',
      gOptimizer: { ...seed.gOptimizer, lr: 1e-4 },
      dOptimizer: { ...seed.dOptimizer, lr: 4e-4 },
      lrSchedule: 'linear',
    },
  },
  {
    title: 'Seed recipe with a warmed-up weight average and a 64-value latent',
    preset: 'seed',
    recipe: { ...seed, generator: { ...seed.generator, inputSize: 64 }, average: { decay: 0.999, warmup: true } },
  },
  {
    title: 'Seed networks, class-conditional (Sample draws the digit you choose), with a warmed-up weight average',
    preset: 'seed',
    recipe: { ...seed, conditioning: 'class', average: { decay: 0.999, warmup: true } },
  },
  {
    title: 'DCGAN with batch norm in G; spectral norm and minibatch std in D; hinge loss, two D steps per G step',
    preset: 'dcgan',
    recipe: {
      ...dcgan,
      generator: {
        ...dcgan.generator,
        layers: [
          { kind: 'dense', units: 7 * 7 * 128 },
          { kind: 'batchNorm' },
          { kind: 'relu' },
          { kind: 'reshape', shape: [7, 7, 128] },
          { kind: 'conv2dTranspose', filters: 64, kernel: 4, stride: 2 },
          { kind: 'batchNorm' },
          { kind: 'relu' },
          { kind: 'conv2dTranspose', filters: 1, kernel: 4, stride: 2 },
          { kind: 'tanh' },
          { kind: 'reshape', shape: [784] },
        ],
      },
      discriminator: {
        ...dcgan.discriminator,
        layers: [
          { kind: 'reshape', shape: [28, 28, 1] },
          { kind: 'conv2d', filters: 64, kernel: 4, stride: 2, spectralNorm: true },
          { kind: 'leakyRelu', alpha: 0.2 },
          { kind: 'conv2d', filters: 128, kernel: 4, stride: 2, spectralNorm: true },
          { kind: 'leakyRelu', alpha: 0.2 },
          { kind: 'reshape', shape: [7 * 7 * 128] },
          { kind: 'minibatchStd' },
          { kind: 'dense', units: 1, spectralNorm: true },
        ],
      },
      loss: 'hinge',
      dStepsPerGStep: 2,
    },
  },
];

/** One markdown line per example: its title and its link. */
export function exampleLinks(): string[] {
  return examples.map(({ title, preset, recipe }) => {
    const { config, problems } = parseConfig({ preset, recipe });
    if (problems.length > 0) throw new Error(`${title}: ${problems.map((p) => p.message).join(' ')}`);
    const search = configToSearch(config);
    return `- ${title}: [\`/${search.slice(0, 40)}…\`](http://localhost:5173/${search})`;
  });
}

export async function main(): Promise<void> {
  console.log(exampleLinks().join('\n'));
}
