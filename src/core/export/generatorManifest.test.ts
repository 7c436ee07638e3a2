import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets';
import { exportFileName, makeManifest, parseManifest } from './generatorManifest';
import { ImportError } from './importError';

const seedRecipe = PRESETS.seed.recipe;
const recipe16 = { ...seedRecipe, generator: { ...seedRecipe.generator, inputSize: 16 } };

describe('generator manifest', () => {
  it('round-trips through JSON and fills what older files omit', () => {
    const manifest = makeManifest({ preset: 'seed', epoch: 1, step: 128, seed: 42, metrics: { fd: 3 } });
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
    expect(parseManifest(JSON.stringify({ format: manifest.format }))).toEqual(makeManifest());
  });

  it('refuses manifests it cannot honour, naming the problem', () => {
    const bad = (raw: object) => () => parseManifest(JSON.stringify({ ...makeManifest(), ...raw }));
    expect(bad({ formatVersion: 2 })).toThrow(/format version 2, newer than this lab reads \(1\)/);
    expect(bad({ pixelRange: [0, 1] })).toThrow(/pixel range \[0,1\]/);
    expect(bad({ epoch: 'ten' })).toThrow(/invalid epoch: a number expected, found "ten"/);
    expect(() => parseManifest('{')).toThrow(ImportError);
    expect(() => parseManifest('{"format":"other"}')).toThrow(/not a generator manifest of this lab/);
  });

  it('carries the recipe and takes the latent size from it, or from the generator', () => {
    const manifest = makeManifest({ preset: 'seed', recipe: recipe16 });
    expect(manifest).toMatchObject({ latentSize: 16, recipe: recipe16 });
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
    expect(makeManifest({}, 32)).toMatchObject({ latentSize: 32, recipe: null });
    expect(parseManifest(JSON.stringify(makeManifest({}, 32))).latentSize).toBe(32);
    expect(() => makeManifest({ recipe: recipe16 }, 100)).toThrow(/takes 100 noise values but its recipe's generator\.inputSize is 16/);
  });

  it('refuses a latent size no recipe has, a recipe that does not read, and one that contradicts it', () => {
    const bad = (raw: object) => () => parseManifest(JSON.stringify({ ...makeManifest(), ...raw }));
    expect(bad({ latentSize: 0 })).toThrow(/from 0 noise values; this lab samples from 1 to 1024/);
    expect(bad({ latentSize: 1025 })).toThrow(/from 1025 noise values/);
    expect(bad({ recipe: { ...seedRecipe, loss: 'wasserstein' } })).toThrow(/holds a recipe this lab cannot read \(loss must be one of/);
    expect(bad({ recipe: recipe16 })).toThrow(/gives the latent size 100 but its recipe's generator takes 16/);
  });

  it('names downloads after the preset and epoch', () => {
    expect(exportFileName({ preset: 'seed', epoch: 20 }, 'onnx')).toBe('mnist-gan-seed-epoch20-generator.onnx');
    expect(exportFileName({}, 'zip')).toBe('mnist-gan-generator.zip');
  });
});
