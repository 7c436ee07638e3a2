import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLayersModel } from './network';
import { PRESETS } from './presets';
import { recipeNetworks } from './recipe';
import { describeRecipe, multiplyAdds, recipeCost, secondsPerEpoch } from './recipeCost';
import { Rng } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('recipe cost', () => {
  it('counts the parameters tf.layers builds for each preset', () => {
    for (const preset of Object.values(PRESETS)) {
      const cost = recipeCost(preset.recipe);
      // The networks the recipe trains: a class-conditional one also takes the label.
      const { generator, discriminator } = recipeNetworks(preset.recipe);
      const g = buildLayersModel(generator, new Rng(1));
      const d = buildLayersModel(discriminator, new Rng(2));
      expect([cost.generatorParameters, cost.discriminatorParameters]).toEqual([g.countParams(), d.countParams()]);
      g.dispose();
      d.dispose();
    }
  });

  it('counts the multiply-adds of dense and conv layers', () => {
    expect(multiplyAdds(PRESETS.seed.recipe.generator)).toBe(100 * 256 + 256 * 512 + 512 * 1024 + 1024 * 784);
    expect(multiplyAdds(PRESETS.seed.recipe.discriminator)).toBe(784 * 1024 + 1024 * 512 + 512 * 256 + 256);
    // dense 100→6272; transposed 4x4 from 7x7x128 to 64 channels; from 14x14x64 to 1 channel.
    expect(multiplyAdds(PRESETS.dcgan.recipe.generator)).toBe(100 * 6272 + 16 * 128 * 49 * 64 + 16 * 64 * 196 * 1);
    // conv 4x4 1→64 at 14x14; 64→128 at 7x7; dense 6272→1.
    expect(multiplyAdds(PRESETS.dcgan.recipe.discriminator)).toBe(16 * 1 * 196 * 64 + 16 * 64 * 49 * 128 + 6272);
  });

  it('grows with the batch and the D steps, and gives a time per epoch from a rate', () => {
    const seed = PRESETS.seed.recipe;
    const one = recipeCost(seed).flopsPerStep;
    expect(recipeCost({ ...seed, batchSize: 256 }).flopsPerStep).toBeCloseTo(2 * one, 0);
    const g = 2 * multiplyAdds(seed.generator) * 128;
    const d = 2 * multiplyAdds(seed.discriminator) * 128;
    expect(recipeCost({ ...seed, dStepsPerGStep: 3 }).flopsPerStep - one).toBeCloseTo(2 * (g + 6 * d), 0);
    expect(secondsPerEpoch(recipeCost(seed), 128, one)).toBeCloseTo(128, 6);
  });

  it('names a preset, or says custom and what differs', () => {
    expect(describeRecipe('seed', PRESETS.seed.recipe)).toEqual({ custom: false, text: PRESETS.seed.label });
    const hinge = { ...PRESETS.seed.recipe, loss: 'hinge' as const, gOptimizer: { ...PRESETS.seed.recipe.gOptimizer, lr: 1e-4 } };
    const { custom, text } = describeRecipe('seed', hinge);
    expect(custom).toBe(true);
    expect(text).toBe('custom (from seed: loss "hinge", gOptimizer.lr 0.0001)');
  });
});
