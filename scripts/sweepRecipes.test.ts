import { describe, expect, it } from 'vitest';
import { recipeCost } from '../src/core/recipeCost';
import { checkRecipe, sameRecipe } from '../src/core/recipe';
import { PRESETS } from '../src/core/presets';
import { SWEEP_RECIPES, sweepRecipe } from './sweepRecipes';

describe('the sweep recipes', () => {
  it('are valid recipes under unique names', () => {
    for (const { name, recipe } of SWEEP_RECIPES) {
      expect(checkRecipe(JSON.parse(JSON.stringify(recipe))).problems, name).toEqual([]);
    }
    expect(new Set(SWEEP_RECIPES.map((r) => r.name)).size).toBe(SWEEP_RECIPES.length);
  });

  it('each change something: only the rows named after a preset are that preset', () => {
    for (const { name, base, recipe } of SWEEP_RECIPES) {
      expect(sameRecipe(recipe, PRESETS[base].recipe), name).toBe(name === base);
    }
  });

  it('give the class-ema preset exactly the recipe its sweep row measured', () => {
    expect(sameRecipe(PRESETS['class-ema'].recipe, sweepRecipe('ema-batch64-class').recipe)).toBe(true);
  });

  it('put batch norm in G and minibatch std in D where they say', () => {
    const bn = sweepRecipe('dcgan-bn-ema').recipe.generator.layers.map((l) => l.kind);
    expect(bn.filter((k) => k === 'batchNorm')).toHaveLength(2);
    expect(bn.indexOf('batchNorm')).toBe(bn.indexOf('leakyRelu') - 1);
    const mbstd = sweepRecipe('ema-mbstd').recipe.discriminator.layers.map((l) => l.kind);
    expect(mbstd.slice(-3)).toEqual(['minibatchStd', 'dense', 'sigmoid']);
  });

  it('make the slim conv D cheaper per step than DCGAN D', () => {
    const slim = recipeCost(sweepRecipe('ema-conv-d').recipe);
    const dcgan = recipeCost(PRESETS.dcgan.recipe);
    expect(slim.discriminatorParameters).toBeLessThan(dcgan.discriminatorParameters);
    expect(slim.flopsPerStep).toBeLessThan(dcgan.flopsPerStep);
  });

  it('refuse an unknown name, listing the known ones', () => {
    expect(() => sweepRecipe('nope')).toThrow(/ema-warm/);
  });
});
