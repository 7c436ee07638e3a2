/**
 * A generator whose recipe draws 16 noise values instead of the seed's 100: both exports carry
 * the recipe, the preset and the latent size, the ONNX model takes [N, 16] noise in
 * onnxruntime-web, and the importer reads the latent size back from the model and samples.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gan, createGan, disposeGan, generate } from '../gan';
import { PRESETS } from '../presets';
import { type Recipe, checkRecipe } from '../recipe';
import { Rng } from '../rng';
import { importGenerator } from './generatorImport';
import { parseManifest } from './generatorManifest';
import { ONNX_INPUT, ONNX_OUTPUT, exportGeneratorOnnx } from './onnxExport';
import { MANIFEST_JSON, exportGeneratorTfjs } from './tfjsExport';

const { onnx } = onnxProto;

const LATENT = 16;
const seedRecipe = PRESETS.seed.recipe;
/** The seed recipe with 16 latent values, and a loss and learning rate of its own to tell it apart. */
const recipe: Recipe = {
  ...seedRecipe,
  generator: { ...seedRecipe.generator, inputSize: LATENT },
  loss: 'hinge',
  gOptimizer: { ...seedRecipe.gOptimizer, lr: 1e-4 },
};
const info = { preset: 'seed', recipe, epoch: 2, step: 256, seed: 11 };

let gan: Gan;

function noise(rows: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(rows * LATENT));
}

async function tfjsImages(input: Float32Array): Promise<Float32Array> {
  const out = generate(gan, input);
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

function metadataOf(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key, p.value]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
  expect(checkRecipe(recipe).problems).toEqual([]);
  gan = createGan(recipe, 11);
});

afterAll(() => disposeGan(gan));

describe('exports of a generator with 16 latent values', () => {
  it('ONNX: metadata_props hold the recipe as JSON and the latent size, and [N, 16] noise runs in onnxruntime-web', async () => {
    const fromSpec = await exportGeneratorOnnx(
      { spec: recipe.generator, weights: gan.gParams.map((p) => p.dataSync() as Float32Array) },
      info,
    );
    const fromModel = await exportGeneratorOnnx(gan.generator, info);
    for (const bytes of [fromSpec, fromModel]) {
      const props = metadataOf(bytes);
      expect(props).toMatchObject({ preset: 'seed', latent_size: '16', epoch: '2', step: '256', seed: '11' });
      const parsed: unknown = JSON.parse(props.recipe);
      expect(parsed).toEqual(recipe);
      expect(checkRecipe(parsed).recipe).toEqual(recipe);

      const input = onnx.ModelProto.decode(bytes).graph!.input![0];
      expect(input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', LATENT]);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      try {
        const z = noise(3, 5);
        const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', z, [3, LATENT]) });
        expect(result[ONNX_OUTPUT].dims).toEqual([3, 784]);
        expect(maxAbsDiff(result[ONNX_OUTPUT].data as Float32Array, await tfjsImages(z))).toBeLessThanOrEqual(1e-5);
      } finally {
        await session.release();
      }
    }
  });

  it('TF.js: manifest.json holds the recipe, the preset and the latent size', async () => {
    const files = unzipSync(await exportGeneratorTfjs(gan.generator, info));
    const text = strFromU8(files[MANIFEST_JSON]);
    expect(JSON.parse(text)).toMatchObject({ preset: 'seed', latentSize: LATENT, recipe, epoch: 2 });
    expect(parseManifest(text).recipe).toEqual(recipe);
  });

  it('the importer reports 16 latent values and samples what the generator draws', async () => {
    const zip = await exportGeneratorTfjs({ spec: recipe.generator, weights: gan.gParams.map((p) => p.dataSync() as Float32Array) }, info);
    const tensors = tf.memory().numTensors;
    const { model, manifest, latentSize } = await importGenerator({ name: 'g16.zip', bytes: zip });
    try {
      expect(latentSize).toBe(LATENT);
      expect(manifest).toMatchObject({ latentSize: LATENT, recipe, preset: 'seed' });
      const z = noise(4, 6);
      const out = tf.tidy(() => model.predict(tf.tensor2d(z, [4, LATENT])) as tf.Tensor);
      expect(maxAbsDiff((await out.data()) as Float32Array, await tfjsImages(z))).toBeLessThanOrEqual(1e-6);
      out.dispose();
    } finally {
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('without a recipe, the latent size still comes from the generator itself', async () => {
    const manifest = JSON.parse(strFromU8(unzipSync(await exportGeneratorTfjs(gan.generator))[MANIFEST_JSON]));
    expect(manifest).toMatchObject({ latentSize: LATENT, recipe: null });
    const props = metadataOf(await exportGeneratorOnnx(gan.generator));
    expect(props.latent_size).toBe('16');
    expect(props).not.toHaveProperty('recipe');
  });

  it('refuses to write a recipe that contradicts the generator', async () => {
    const wrong = { ...info, recipe: seedRecipe };
    const message = /takes 16 noise values but its recipe's generator.inputSize is 100/;
    await expect(exportGeneratorTfjs(gan.generator, wrong)).rejects.toThrow(message);
    await expect(exportGeneratorOnnx(gan.generator, wrong)).rejects.toThrow(message);
  });
});
