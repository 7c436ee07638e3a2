/**
 * A recipe with every new layer kind (batch norm and ReLU in G; spectral norm and the minibatch
 * feature in D) trains, keeps its non-trainable state (moving statistics, u vectors) through a
 * checkpoint so that a resume is exact, samples with the moving statistics, and exports to
 * TF.js and ONNX with them: onnxruntime-web gives what tfjs gives.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { unzipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateShapes } from './architecture';
import {
  type FullSnapshot,
  decodeSnapshot,
  encodeSnapshot,
  generatorOf,
  generatorTensors,
  restoreGan,
  snapshotGan,
  snapshotGenerator,
} from './checkpointCodec';
import { type RunConfig, parseConfig, totalSteps } from './config';
import { importGenerator } from './export/generatorImport';
import { ONNX_INPUT, ONNX_OUTPUT, exportGeneratorOnnx } from './export/onnxExport';
import { WEIGHTS_FILE, exportGeneratorTfjs, layersModelFromSpec } from './export/tfjsExport';
import { type Gan, allocateStepInputs, createGan, disposeGan, drawStepInputs, generate, samplingParams, trainStep } from './gan';
import { forward } from './network';
import { PRESETS } from './presets';
import { type Recipe, checkRecipe } from './recipe';
import { Rng } from './rng';
import { type LoopHooks, runTraining } from './trainingLoop';
import { syntheticSplit } from '../testing/syntheticMnist';

const LATENT = 8;

const RECIPE: Recipe = {
  ...PRESETS.dcgan.recipe,
  generator: {
    name: 'generator',
    inputSize: LATENT,
    layers: [
      { kind: 'dense', units: 7 * 7 * 4 },
      { kind: 'batchNorm' },
      { kind: 'relu' },
      { kind: 'reshape', shape: [7, 7, 4] },
      { kind: 'conv2dTranspose', filters: 3, kernel: 4, stride: 2 },
      { kind: 'batchNorm', momentum: 0.9 },
      { kind: 'relu' },
      { kind: 'conv2dTranspose', filters: 1, kernel: 4, stride: 2 },
      { kind: 'tanh' },
      { kind: 'reshape', shape: [784] },
    ],
  },
  discriminator: {
    name: 'discriminator',
    inputSize: 784,
    layers: [
      { kind: 'reshape', shape: [28, 28, 1] },
      { kind: 'conv2d', filters: 4, kernel: 4, stride: 4, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'minibatchStd' },
      { kind: 'reshape', shape: [7 * 7 * 5] },
      { kind: 'dense', units: 16, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'dense', units: 1, spectralNorm: true },
    ],
  },
  loss: 'hinge',
  batchSize: 4,
  average: { decay: 0.9, warmup: true },
};

const hooks: LoopHooks = {
  now: () => performance.now(),
  yieldToEvents: async () => {},
  continueWhenUnpaused: async () => true,
  onLosses: () => {},
  onProgress: () => {},
  onEpochEnd: async () => {},
};

function config(epochs: number): RunConfig {
  const { config: parsed, problems } = parseConfig({
    preset: 'dcgan',
    recipe: JSON.stringify(RECIPE),
    backend: 'cpu',
    epochs,
    stepsPerEpoch: 2,
    logEvery: 1,
    seed: 5,
  });
  expect(problems).toEqual([]);
  return parsed;
}

function bits(arrays: Float32Array[]): Uint32Array[] {
  return arrays.map((a) => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function noise(rows: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(rows * LATENT));
}

const data = syntheticSplit(16, 4);

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('a recipe with batch norm, ReLU, spectral norm and the minibatch feature', () => {
  it('is a valid recipe', () => {
    expect(checkRecipe(RECIPE).problems).toEqual([]);
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`trains on ${backend}: finite losses, the state moves, the tensor count stays flat`, async () => {
      await tf.setBackend(backend);
      const gan = createGan(RECIPE, 5, 10);
      try {
        expect(gan.gState.map((v) => v.shape)).toEqual(stateShapes(RECIPE.generator));
        expect(gan.dState.map((v) => v.shape)).toEqual(stateShapes(RECIPE.discriminator));
        const before = [...gan.gState, ...gan.dState].map((v) => v.dataSync().slice());
        const inputs = allocateStepInputs(RECIPE);
        let count = 0;
        for (let step = 1; step <= 3; step++) {
          const losses = trainStep(gan, drawStepInputs(inputs, data, RECIPE, 5, step));
          expect(Array.from(losses.dataSync()).every(Number.isFinite)).toBe(true);
          losses.dispose();
          if (step === 1) count = tf.memory().numTensors;
        }
        expect(tf.memory().numTensors).toBe(count);
        // (The u of a layer with one unit is ±1 for good.)
        [...gan.gState, ...gan.dState].forEach((v, i) => v.size > 1 && expect(Array.from(v.dataSync())).not.toEqual(Array.from(before[i])));
        // Each u stays a unit vector.
        gan.dState.forEach((u) => expect(tf.norm(u).dataSync()[0]).toBeCloseTo(1, 5));
      } finally {
        disposeGan(gan);
        await tf.setBackend('cpu');
      }
    });
  }

  it('resumes exactly: N steps, save as bytes, restore, N more == 2N uninterrupted (bitwise, state included)', async () => {
    const straight = createGan(config(2).recipe, 5, totalSteps(config(2)));
    await runTraining(straight, data, config(2), 0, hooks);
    const first = createGan(config(1).recipe, 5, totalSteps(config(1)));
    await runTraining(first, data, config(1), 0, hooks);
    const bytes = encodeSnapshot(await snapshotGan(first, config(1), 2));
    disposeGan(first);
    const snapshot = decodeSnapshot(bytes.slice(0)) as FullSnapshot;
    // Parameters then state: the moving statistics with G (and its average), the u vectors with D.
    expect(snapshot.generator.length).toBe(straight.gParams.length + 4);
    expect(snapshot.discriminator.length).toBe(straight.dParams.length + 3);
    expect(snapshot.generatorAverage!.length).toBe(straight.gParams.length + 4);
    const restored = restoreGan(snapshot);
    try {
      await runTraining(restored, data, config(2), 2, hooks);
      const [a, b] = await Promise.all([snapshotGan(restored, config(2), 4), snapshotGan(straight, config(2), 4)]);
      for (const key of ['generator', 'discriminator', 'generatorAverage'] as const) {
        expect(bits(a[key]!), key).toEqual(bits(b[key]!));
      }
    } finally {
      disposeGan(restored);
      disposeGan(straight);
    }
  });

  describe('sampling and exports use the moving statistics', () => {
    let gan: Gan;
    /** G's live state at the start and after each step. */
    const liveStates: Float32Array[][] = [];

    beforeAll(async () => {
      gan = createGan(RECIPE, 9, 10);
      const inputs = allocateStepInputs(RECIPE);
      liveStates.push(gan.gState.map((v) => v.dataSync().slice() as Float32Array));
      for (let step = 1; step <= 3; step++) {
        trainStep(gan, drawStepInputs(inputs, data, RECIPE, 9, step)).dispose();
        liveStates.push(gan.gState.map((v) => v.dataSync().slice() as Float32Array));
      }
    });

    afterAll(() => {
      disposeGan(gan);
    });

    it('the average covers the moving statistics too (averaged like the weights)', () => {
      const average = samplingParams(gan);
      expect(average).toBe(gan.gAverage);
      expect(average.map((a) => a.shape)).toEqual([...gan.gParams, ...gan.gState].map((v) => v.shape));
      // The moving statistics' average, by hand: the warm-up's decay min(0.9, (1 + t)/(10 + t)).
      liveStates[0].forEach((start, i) => {
        const expected = Float64Array.from(start);
        for (let t = 1; t <= 3; t++) {
          const decay = Math.min(0.9, (1 + t) / (10 + t));
          liveStates[t][i].forEach((live, j) => (expected[j] = decay * expected[j] + (1 - decay) * live));
        }
        const averaged = average[gan.gParams.length + i].dataSync();
        expect(maxAbsDiff(averaged, expected)).toBeLessThan(1e-6);
        expect(maxAbsDiff(averaged, liveStates[3][i])).toBeGreaterThan(1e-4);
      });
    });

    it('generate is inference: the moving statistics, not the batch', () => {
      const z = noise(5, 1);
      const images = generate(gan, z);
      const weights = samplingParams(gan);
      const inference = tf.tidy(() => forward(RECIPE.generator, weights, tf.tensor2d(z, [5, LATENT])));
      expect(maxAbsDiff(images.dataSync(), inference.dataSync())).toBe(0);
      // A training pass (on copies of the state) would normalise with the batch: different images.
      const copies = weights.map((w) => tf.variable(w.clone(), false));
      const training = tf.tidy(() => forward(RECIPE.generator, copies, tf.tensor2d(z, [5, LATENT]), { training: true }));
      expect(maxAbsDiff(images.dataSync(), training.dataSync())).toBeGreaterThan(1e-3);
      // Each sample is its own: generating one at a time gives the same digits.
      const alone = generate(gan, z.slice(0, LATENT));
      expect(maxAbsDiff(alone.dataSync(), images.dataSync().slice(0, 784))).toBeLessThan(1e-6);
      tf.dispose([images, inference, training, alone, ...copies]);
    });

    it('a generator checkpoint samples what the live generator does', async () => {
      const snapshot = decodeSnapshot(encodeSnapshot(await snapshotGenerator(gan, 3, 'dcgan')));
      const { spec, params } = generatorTensors(generatorOf(snapshot));
      const z = noise(3, 2);
      const fromCheckpoint = tf.tidy(() => forward(spec, params, tf.tensor2d(z, [3, LATENT])));
      const live = generate(gan, z);
      expect(maxAbsDiff(fromCheckpoint.dataSync(), live.dataSync())).toBe(0);
      tf.dispose([fromCheckpoint, live, ...params]);
    });

    it('TF.js: the Layers model holds gamma, beta, moving mean and variance and predicts what generate does', async () => {
      const weights = samplingParams(gan).map((w) => w.dataSync() as Float32Array);
      const zip = await exportGeneratorTfjs({ spec: RECIPE.generator, weights }, { preset: 'dcgan', recipe: RECIPE });
      const modelJson = JSON.parse(new TextDecoder().decode(unzipSync(zip)['model.json']));
      // Per layer, in its own order (the file lists trainable weights first, as tfjs saves them).
      const perLayer = new Map<string, string[]>();
      for (const { name } of modelJson.weightsManifest[0].weights as { name: string }[]) {
        const [layer, weight] = [name.slice(0, name.lastIndexOf('/')), name.slice(name.lastIndexOf('/') + 1)];
        perLayer.set(layer, [...(perLayer.get(layer) ?? []), weight]);
      }
      const normalising = [...perLayer.values()].filter((names) => names.includes('gamma'));
      expect(normalising).toEqual([
        ['gamma', 'beta', 'moving_mean', 'moving_variance'],
        ['gamma', 'beta', 'moving_mean', 'moving_variance'],
      ]);
      expect(unzipSync(zip)[WEIGHTS_FILE].byteLength).toBe(weights.reduce((n, w) => n + w.byteLength, 0));
      const { model } = await importGenerator({ name: 'bn.zip', bytes: zip });
      try {
        const z = noise(4, 3);
        const expected = generate(gan, z);
        const predicted = tf.tidy(() => model.predict(tf.tensor2d(z, [4, LATENT])) as tf.Tensor);
        expect(maxAbsDiff(predicted.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
        tf.dispose([expected, predicted]);
      } finally {
        model.dispose();
      }
    });

    it('ONNX: BatchNormalization nodes, and onnxruntime-web gives what tfjs gives (flat and NCHW, from spec and model)', async () => {
      const weights = samplingParams(gan).map((w) => w.dataSync() as Float32Array);
      const fromSpec = await exportGeneratorOnnx({ spec: RECIPE.generator, weights }, { preset: 'dcgan' });
      const model = layersModelFromSpec({ spec: RECIPE.generator, weights });
      const fromModel = await exportGeneratorOnnx(model, { preset: 'dcgan' });
      model.dispose();
      const ops = onnxProto.onnx.ModelProto.decode(fromSpec).graph!.node!.map((n) => n.opType);
      expect(ops).toEqual([
        'Gemm', 'BatchNormalization', 'Relu', 'Reshape', 'Transpose', 'ConvTranspose', 'BatchNormalization', 'Relu',
        'ConvTranspose', 'Tanh', 'Transpose', 'Reshape',
      ]);
      for (const rows of [1, 6]) {
        const z = noise(rows, 10 + rows);
        const expected = generate(gan, z);
        for (const bytes of [fromSpec, fromModel]) {
          const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
          try {
            const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', z, [rows, LATENT]) });
            expect(maxAbsDiff(result[ONNX_OUTPUT].data as Float32Array, expected.dataSync())).toBeLessThan(1e-4);
          } finally {
            await session.release();
          }
        }
        expected.dispose();
      }
    });
  });
});
