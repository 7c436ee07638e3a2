import { describe, expect, it } from 'vitest';
import { PRESETS } from './presets';
import {
  averageDecay,
  checkRecipe,
  decodeRecipeText,
  encodeRecipe,
  recipeDifferences,
  scheduledRate,
} from './recipe';

const seed = PRESETS.seed.recipe;
const clone = <T,>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('recipes', () => {
  it('accepts every preset as it is', () => {
    for (const preset of Object.values(PRESETS)) expect(checkRecipe(clone(preset.recipe))).toEqual({ recipe: preset.recipe, problems: [] });
  });

  it('names the field of each problem', () => {
    const fields = (value: unknown) => checkRecipe(value).problems.map((p) => p.field);
    const incomplete = clone(seed) as unknown as Record<string, unknown>;
    delete incomplete.loss;
    incomplete.extra = 1;
    expect(fields(incomplete).sort()).toEqual(['extra', 'loss']);
    expect(fields({ ...seed, gOptimizer: { ...seed.gOptimizer, lr: -1 }, average: { decay: 1, warmup: 'yes' } })).toEqual([
      'gOptimizer.lr',
      'average.decay',
      'average.warmup',
    ]);

    const wideLayer = clone(seed);
    (wideLayer.generator.layers[2] as { units: number }).units = 0;
    expect(fields(wideLayer)).toEqual(['generator.layers[2].units']);
    expect(checkRecipe(wideLayer).recipe).toBeNull();
  });

  it('refuses networks that cannot work, naming where', () => {
    const notDigit = clone(seed);
    notDigit.generator.layers[6] = { kind: 'dense', units: 700 };
    expect(checkRecipe(notDigit).problems).toEqual([
      { field: 'generator.layers', message: 'generator must end in 784 values (a 28x28 digit); its layers give 700.' },
    ]);

    const badShape = clone(PRESETS.dcgan.recipe);
    badShape.generator.layers[2] = { kind: 'reshape', shape: [7, 7, 100] };
    const [problem] = checkRecipe(badShape).problems;
    expect(problem.field).toBe('generator.layers[2]');
    expect(problem.message).toMatch(/cannot reshape \[6272\] to \[7, 7, 100\]/);

    const denseOnImage = clone(PRESETS.dcgan.recipe);
    denseOnImage.discriminator.layers.splice(5, 1);
    expect(checkRecipe(denseOnImage).problems[0].field).toBe('discriminator.layers[5]');

    const huge = clone(seed);
    (huge.generator.layers[4] as { units: number }).units = 20_000;
    expect(checkRecipe(huge).problems[0].message).toMatch(/parameters; the lab builds at most 16,000,000/);

    expect(checkRecipe('dense please').problems).toEqual([{ field: 'recipe', message: 'A recipe must be a JSON object.' }]);
  });

  it('travels as base64url text and back, and reads plain JSON too', () => {
    const custom = { ...clone(PRESETS.dcgan.recipe), loss: 'hinge', description: 'ü' };
    const text = encodeRecipe(custom as never);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRecipeText(text)).toEqual(custom);
    expect(decodeRecipeText(JSON.stringify(seed))).toEqual(seed);
    expect(() => decodeRecipeText('not*base64')).toThrow(SyntaxError);
    // A seed recipe fits a link: under 1.5 kB.
    expect(encodeRecipe(seed).length).toBeLessThan(1500);
  });

  it('lists the differences from a base recipe by field', () => {
    const changed = { ...seed, dStepsPerGStep: 2, dOptimizer: { ...seed.dOptimizer, beta1: 0 } };
    expect(recipeDifferences(seed, changed)).toEqual([
      { field: 'dOptimizer.beta1', base: 0.5, value: 0 },
      { field: 'dStepsPerGStep', base: 1, value: 2 },
    ]);
  });

  it('decays the learning rate linearly to 0 over the run, or keeps it', () => {
    expect(scheduledRate(2e-4, 'constant', 900, 1000)).toBe(2e-4);
    expect(scheduledRate(2e-4, 'linear', 1, 1000)).toBe(2e-4);
    expect(scheduledRate(2e-4, 'linear', 501, 1000)).toBeCloseTo(1e-4, 12);
    expect(scheduledRate(2e-4, 'linear', 1000, 1000)).toBeCloseTo(2e-7, 12);
  });

  it('warms the average up so it does not start from the initial weights', () => {
    expect(averageDecay({ decay: 0.999, warmup: false }, 1)).toBe(0.999);
    expect(averageDecay({ decay: 0.999, warmup: true }, 1)).toBeCloseTo(2 / 11, 12);
    expect(averageDecay({ decay: 0.999, warmup: true }, 100)).toBeCloseTo(101 / 110, 12);
    expect(averageDecay({ decay: 0.999, warmup: true }, 1e6)).toBe(0.999);
  });
});
