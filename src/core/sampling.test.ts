/**
 * Sampling follows the generator's latent size: noise of 16 values per digit for a recipe whose
 * generator takes 16, the seed's draws unchanged at 100, and an interpolation from seed A's
 * vector to seed B's.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGIT_PIXELS, toPixels } from './digits';
import { type Gan, createGan, disposeGan, generate } from './gan';
import { PRESETS } from './presets';
import { Rng, Stream } from './rng';
import { interpolationNoise, renderDigits, sampleNoise } from './sampling';

const seedRecipe = PRESETS.seed.recipe;
const recipe = { ...seedRecipe, generator: { ...seedRecipe.generator, inputSize: 16 } };
let gan: Gan;

beforeAll(async () => {
  await tf.setBackend('cpu');
  gan = createGan(recipe, 4);
});

afterAll(() => disposeGan(gan));

describe('sampling with the latent size of the recipe', () => {
  it('draws latentSize values per digit, the seed the same digits as ever', () => {
    expect(sampleNoise(3, 5, 16)).toHaveLength(5 * 16);
    expect(sampleNoise(3, 5, 100)).toEqual(Rng.forStep(3, 0, Stream.sample).fillNormal(new Float32Array(500)));
  });

  it("interpolates between two seeds' first vectors of 16 values", () => {
    const path = interpolationNoise(1, 2, 5, 16);
    expect(path).toHaveLength(5 * 16);
    expect(path.subarray(0, 16)).toEqual(sampleNoise(1, 1, 16));
    const last = path.subarray(4 * 16);
    sampleNoise(2, 1, 16).forEach((v, i) => expect(last[i]).toBeCloseTo(v, 5));
  });

  it("renders a 16-latent generator's digits into the grid", async () => {
    const noise = sampleNoise(9, 3, 16);
    const pixels = await renderDigits(recipe.generator, gan.gParams, noise, 2, 2);
    expect(pixels).toHaveLength(4 * DIGIT_PIXELS);
    const expected = generate(gan, noise);
    expect(Array.from(pixels.subarray(0, 3 * DIGIT_PIXELS))).toEqual(Array.from(toPixels(await expected.data())));
    expected.dispose();
    expect(pixels.subarray(3 * DIGIT_PIXELS).every((v) => v === 0)).toBe(true);
  });
});
