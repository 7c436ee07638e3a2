/**
 * Class conditioning: the recipe field, the label joining each network's first dense layer (in
 * training's forward pass, the Layers model that exports are made from, and the ONNX file), the
 * labels a step draws, and resuming a conditional run exactly.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { parameterCount } from './architecture';
import { restoreGan, snapshotGan } from './checkpointCodec';
import { parseConfig } from './config';
import { DIGIT_CLASSES, DIGIT_PIXELS } from './digits';
import { IMPORT_LIMITS, importGenerator } from './export/generatorImport';
import { ONNX_INPUT, ONNX_LABEL, ONNX_OUTPUT, exportGeneratorOnnx } from './export/onnxExport';
import { exportGeneratorTfjs } from './export/tfjsExport';
import { allocateStepInputs, createGan, disposeGan, drawStepInputs, generate, generatorWeights, trainStep } from './gan';
import type { MnistSplit } from './mnistIdx';
import { buildLayersModel, forward, oneHotLabels } from './network';
import { PRESETS } from './presets';
import { type Recipe, checkRecipe, recipeNetworks } from './recipe';
import { recipeCost } from './recipeCost';
import { r1Penalty } from './regularisers';
import { Rng } from './rng';

const seed = PRESETS.seed.recipe;
const dcgan = PRESETS.dcgan.recipe;

/** A small conditional recipe: dense G and D, quick to train on the CPU. */
const tiny: Recipe = {
  ...seed,
  conditioning: 'class',
  batchSize: 8,
  generator: { name: 'generator', inputSize: 6, layers: [{ kind: 'dense', units: 16 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'dense', units: DIGIT_PIXELS }, { kind: 'tanh' }] },
  discriminator: {
    name: 'discriminator',
    inputSize: DIGIT_PIXELS,
    layers: [{ kind: 'dense', units: 16 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'dropout', rate: 0.3 }, { kind: 'dense', units: 1 }, { kind: 'sigmoid' }],
  },
};

/** Fake digits whose label is their brightness, so a label is tied to its image. */
function labelledData(count: number): MnistSplit {
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7) % DIGIT_CLASSES);
  const pixels = new Uint8Array(count * DIGIT_PIXELS);
  labels.forEach((label, i) => pixels.fill(label * 25, i * DIGIT_PIXELS, (i + 1) * DIGIT_PIXELS));
  return { count, pixels, labels };
}

function random(shape: number[], rng: Rng): tf.Tensor2D {
  return tf.tensor2d(rng.fillNormal(new Float32Array(shape[0] * shape[1])), shape as [number, number]);
}

function maxDiff(a: tf.Tensor | Float32Array, b: tf.Tensor | Float32Array): number {
  const x = a instanceof Float32Array ? a : a.dataSync();
  const y = b instanceof Float32Array ? b : b.dataSync();
  expect(x.length).toBe(y.length);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the conditioning field', () => {
  it('is required, takes none or class, and needs a dense layer in both networks', () => {
    const { conditioning: _, ...without } = seed;
    expect(checkRecipe(without).problems).toEqual([{ field: 'conditioning', message: 'conditioning is missing.' }]);
    expect(checkRecipe({ ...seed, conditioning: 'digit' }).problems[0]).toMatchObject({ field: 'conditioning' });
    expect(checkRecipe({ ...seed, conditioning: 'class' }).recipe?.conditioning).toBe('class');
    const convOnly = { ...dcgan.discriminator, layers: [
      { kind: 'reshape', shape: [28, 28, 1] },
      { kind: 'conv2d', filters: 1, kernel: 4, stride: 4 },
      { kind: 'conv2d', filters: 1, kernel: 4, stride: 4 },
      { kind: 'conv2d', filters: 1, kernel: 2, stride: 2 },
      { kind: 'reshape', shape: [1] },
    ] };
    expect(checkRecipe({ ...dcgan, discriminator: convOnly }).problems).toEqual([]);
    const refused = checkRecipe({ ...dcgan, discriminator: convOnly, conditioning: 'class' }).problems;
    expect(refused).toHaveLength(1);
    expect(refused[0].field).toBe('conditioning');
    expect(refused[0].message).toMatch(/the discriminator has none/);
  });

  it("adds the label's ten one-hot rows to each network's first dense kernel, and its cost", () => {
    const plain = recipeCost(seed);
    const conditional = recipeCost({ ...seed, conditioning: 'class' });
    expect(conditional.generatorParameters - plain.generatorParameters).toBe(DIGIT_CLASSES * 256);
    expect(conditional.discriminatorParameters - plain.discriminatorParameters).toBe(DIGIT_CLASSES * 1024);
    // Two flops per multiply-add, per example: G's first layer in 3 passes of each D update and
    // G update's G (1 + 3), D's in 6 + 2.
    const batch = seed.batchSize;
    expect(conditional.flopsPerStep - plain.flopsPerStep).toBe(2 * batch * DIGIT_CLASSES * (256 * 4 + 1024 * 8));
    // The recipe itself keeps plain networks; recipeNetworks gives the built ones.
    expect(recipeNetworks({ ...dcgan, conditioning: 'class' }).discriminator.classes).toBe(DIGIT_CLASSES);
    expect(recipeNetworks(dcgan).discriminator.classes).toBeUndefined();
  });
});

describe.each(['cpu', 'wasm'])('a conditional network on %s', (backend) => {
  it('matches its Layers model (two inputs) in value, and tfjs autodiff of concat + matMul in gradients', async () => {
    await tf.setBackend(backend);
    const rng = new Rng(3);
    // D of the DCGAN preset: the label joins the dense layer after the conv stack.
    const { discriminator } = recipeNetworks({ ...dcgan, conditioning: 'class' });
    const model = buildLayersModel(discriminator, rng);
    expect(model.inputs.map((input) => input.shape)).toEqual([[null, DIGIT_PIXELS], [null, DIGIT_CLASSES]]);
    const x = random([5, DIGIT_PIXELS], rng);
    const labels = oneHotLabels([0, 3, 9, 3, 1], DIGIT_CLASSES);
    const params = model.trainableWeights.map((w) => w.read());
    expect(() => forward(discriminator, params, x)).toThrow(/takes a one-hot label of 10 classes/);
    const out = forward(discriminator, params, x, { labels });
    const expected = model.predict([x, labels]) as tf.Tensor;
    expect(maxDiff(out, expected)).toBeLessThan(1e-4);

    // Gradients of the dense block with the label joined, against plain ops.
    const { generator } = recipeNetworks(tiny);
    const g = buildLayersModel(generator, rng);
    const gParams = g.trainableWeights.map((w) => w.read());
    const noise = random([4, 6], rng);
    const gLabels = oneHotLabels([2, 2, 7, 0], DIGIT_CLASSES);
    const weightsOut = random([4, DIGIT_PIXELS], rng);
    const loss = (f: (...p: tf.Tensor[]) => tf.Tensor) => tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(f(...p), weightsOut)));
    const oursGrads = loss((...p) => forward(generator, p, noise, { labels: gLabels }))(gParams);
    const referenceGrads = loss((w1, b1, w2, b2) => {
      const h = tf.leakyRelu(tf.add(tf.matMul(tf.concat([noise, gLabels], 1), w1), b1), 0.2);
      return tf.tanh(tf.add(tf.matMul(h, w2), b2));
    })(gParams);
    oursGrads.forEach((grad, i) => expect(maxDiff(grad, referenceGrads[i])).toBeLessThan(1e-4));
    tf.dispose([out, expected, x, labels, noise, gLabels, weightsOut, ...oursGrads, ...referenceGrads]);
    model.dispose();
    g.dispose();
  });

  it('draws the digit it is asked for: the label changes the image, the same label does not', async () => {
    await tf.setBackend(backend);
    const gan = createGan(tiny, 5);
    const noise = new Rng(1).fillNormal(new Float32Array(3 * 6));
    const same = new Float32Array([...noise.subarray(0, 6), ...noise.subarray(0, 6), ...noise.subarray(0, 6)]);
    const images = generate(gan, same, [4, 4, 8]);
    const [a, b, c] = tf.split(images, 3, 0);
    expect(maxDiff(a, b)).toBe(0);
    expect(maxDiff(a, c)).toBeGreaterThan(1e-3);
    // By default the digits in turn, 0, 1, 2…
    const cycling = generate(gan, same);
    expect(maxDiff(cycling, generate(gan, same, [0, 1, 2]))).toBe(0);
    expect(() => generate(gan, same, [0, 1, 10])).toThrow(/from 0 to 9, got 10/);
    tf.dispose([images, a, b, c, cycling]);
    disposeGan(gan);
  });
});

describe('training a conditional recipe', () => {
  it("gives D the real digits' own labels and G uniformly drawn ones, from streams of their own", () => {
    const data = labelledData(40);
    const inputs = drawStepInputs(allocateStepInputs(tiny), data, tiny, 9, 3);
    const plain = drawStepInputs(allocateStepInputs({ ...tiny, conditioning: 'none' }), data, { ...tiny, conditioning: 'none' }, 9, 3);
    const [d] = inputs.d;
    // Each real row's label is the one its image was stored with (brightness = 25 · label).
    for (let i = 0; i < tiny.batchSize; i++) {
      expect(d.real[i * DIGIT_PIXELS]).toBeCloseTo((d.labels![i] * 25) / 127.5 - 1, 5);
    }
    expect(d.labels).toHaveLength(2 * tiny.batchSize);
    expect(inputs.labelsG).toHaveLength(tiny.batchSize);
    expect([...d.labels!, ...inputs.labelsG!].every((label) => label >= 0 && label < DIGIT_CLASSES)).toBe(true);
    // The other draws are those of the same recipe without conditioning.
    expect(d.real).toEqual(plain.d[0].real);
    expect(d.noise).toEqual(plain.d[0].noise);
    expect(inputs.noiseG).toEqual(plain.noiseG);
    expect(plain.d[0].labels).toBeNull();
  });

  it('trains with finite losses and resumes exactly from a checkpoint', async () => {
    await tf.setBackend('cpu');
    const { config, problems } = parseConfig({ backend: 'cpu', epochs: 1, stepsPerEpoch: 4, seed: 2, recipe: tiny });
    expect(problems).toEqual([]);
    const data = labelledData(64);
    const run = (gan: ReturnType<typeof createGan>, from: number, to: number) => {
      const inputs = allocateStepInputs(tiny);
      for (let step = from; step <= to; step++) {
        const losses = trainStep(gan, drawStepInputs(inputs, data, tiny, config.seed, step));
        expect([...losses.dataSync()].every(Number.isFinite)).toBe(true);
        losses.dispose();
      }
    };
    const straight = createGan(tiny, config.seed);
    run(straight, 1, 4);
    const resumed = createGan(tiny, config.seed);
    run(resumed, 1, 2);
    const snapshot = await snapshotGan(resumed, config, 2);
    expect(snapshot.architecture.generator.classes).toBe(DIGIT_CLASSES);
    disposeGan(resumed);
    const restored = restoreGan(snapshot);
    expect(restored.recipe.generator.classes).toBeUndefined();
    run(restored, 3, 4);
    generatorWeights(straight).forEach((w, i) => expect(maxDiff(w, generatorWeights(restored)[i])).toBe(0));
    disposeGan(straight);
    disposeGan(restored);
  });

  it('takes R1 of the image alone, with the real rows\' labels held as they are', () => {
    const { discriminator } = recipeNetworks({ ...tiny, discriminator: { ...tiny.discriminator, layers: tiny.discriminator.layers.filter((l) => l.kind !== 'dropout') } });
    const model = buildLayersModel(discriminator, new Rng(4));
    const weights = model.trainableWeights.map((w) => w.read());
    const rng = new Rng(6);
    const real = random([3, DIGIT_PIXELS], rng);
    const labels = oneHotLabels([1, 5, 5], DIGIT_CLASSES);
    const penalty = r1Penalty(discriminator, weights, real, 2, [], labels);
    // By hand: the gradient of Σ D(x, y)'s logits with respect to x, through training's forward pass.
    const logits = (x: tf.Tensor) => forward(discriminator, weights, x as tf.Tensor2D, { labels, logits: true, inputNeedsGrad: true });
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(logits(x)))(real);
    const expected = tf.mul(1, tf.mean(tf.sum(tf.square(gradient), 1)));
    expect(Math.abs(penalty.dataSync()[0] - expected.dataSync()[0])).toBeLessThan(1e-5 * Math.max(1, expected.dataSync()[0]));
    const other = r1Penalty(discriminator, weights, real, 2, [], oneHotLabels([0, 0, 0], DIGIT_CLASSES));
    expect(other.dataSync()[0]).not.toBe(penalty.dataSync()[0]);
    tf.dispose([real, labels, penalty, gradient, expected, other]);
    model.dispose();
    expect(parameterCount(discriminator)).toBe((DIGIT_PIXELS + DIGIT_CLASSES) * 16 + 16 + 16 + 1);
  });
});

describe('the ONNX export of a conditional generator', () => {
  it('takes the label as a second input and draws what tfjs draws', async () => {
    await tf.setBackend('cpu');
    const gan = createGan({ ...seed, conditioning: 'class' }, 8);
    const count = 6;
    const noise = new Rng(2).fillNormal(new Float32Array(count * seed.generator.inputSize));
    const labels = [3, 3, 0, 9, 4, 7];
    const expected = generate(gan, noise, labels);
    const weights = await Promise.all(generatorWeights(gan).map(async (w) => new Float32Array(await w.data())));
    const bytes = await exportGeneratorOnnx({ spec: gan.networks.generator, weights }, { recipe: gan.recipe });
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    try {
      expect(session.inputNames).toEqual([ONNX_INPUT, ONNX_LABEL]);
      const oneHot = oneHotLabels(labels, DIGIT_CLASSES);
      const result = await session.run({
        [ONNX_INPUT]: new ort.Tensor('float32', noise, [count, seed.generator.inputSize]),
        [ONNX_LABEL]: new ort.Tensor('float32', oneHot.dataSync() as Float32Array, [count, DIGIT_CLASSES]),
      });
      expect(maxDiff(result[ONNX_OUTPUT].data as Float32Array, expected)).toBeLessThan(1e-5);
      oneHot.dispose();
    } finally {
      await session.release();
      expected.dispose();
      disposeGan(gan);
    }
  });
});

describe('the TF.js export of a conditional generator, imported again', () => {
  it('is refused where generators take noise alone, and loads for the judge with its classes, drawing what tfjs draws', async () => {
    await tf.setBackend('cpu');
    const gan = createGan({ ...seed, conditioning: 'class' }, 9);
    const count = 5;
    const noise = new Rng(4).fillNormal(new Float32Array(count * seed.generator.inputSize));
    const labels = [0, 1, 2, 3, 4];
    const expected = generate(gan, noise, labels);
    const weights = await Promise.all(generatorWeights(gan).map(async (w) => new Float32Array(await w.data())));
    const bytes = await exportGeneratorTfjs({ spec: gan.networks.generator, weights }, { recipe: gan.recipe });
    const file = { name: 'conditional.zip', bytes };
    await expect(importGenerator(file)).rejects.toThrow(/class-conditional.*Sample it by digit/);
    const { model, classes, latentSize } = await importGenerator(file, IMPORT_LIMITS, { conditional: true });
    try {
      expect([latentSize, classes]).toEqual([seed.generator.inputSize, DIGIT_CLASSES]);
      const oneHot = oneHotLabels(labels, DIGIT_CLASSES);
      const drawn = model.predict([tf.tensor2d(noise, [count, seed.generator.inputSize]), oneHot]) as tf.Tensor;
      expect(maxDiff((await drawn.data()) as Float32Array, expected)).toBeLessThan(1e-5);
      tf.dispose([oneHot, drawn]);
    } finally {
      model.dispose();
      expected.dispose();
      disposeGan(gan);
    }
  });
});
