/**
 * R1 and instance noise: the penalty and its gradient (a gradient of a gradient) against a
 * float64 reference and central finite differences, the twice-differentiable forward pass
 * against training's, when the penalty applies, what D sees under instance noise, and that both
 * train reproducibly without leaking tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { NetworkSpec } from './architecture';
import { DCGAN_DISCRIMINATOR, SEED_DISCRIMINATOR } from './architecture';
import { decodeSnapshot, encodeSnapshot, snapshotGan } from './checkpointCodec';
import { parseConfig, parseSavedConfig } from './config';
import {
  type StepInputs,
  allocateStepInputs,
  createGan,
  discriminatorStep,
  disposeGan,
  drawStepInputs,
  trainStep,
} from './gan';
import { PRESETS } from './presets';
import { type Recipe, checkRecipe, upgradeSavedRecipe } from './recipe';
import { instanceNoiseStd, plainForward, r1Applies, r1Penalty, windowConv2d } from './regularisers';
import { Rng } from './rng';
import { syntheticSplit } from '../testing/syntheticMnist';

/** Every input D is given by training's forward pass, as read at the call. */
const seenByD = vi.hoisted(() => ({ inputs: [] as Float32Array[] }));
vi.mock('./network', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./network')>();
  return {
    ...actual,
    forward: (...args: Parameters<typeof actual.forward>) => {
      if (args[0].name === 'discriminator') seenByD.inputs.push(args[2].dataSync() as Float32Array);
      return actual.forward(...args);
    },
  };
});
// Imported after the mock is declared (vi.mock is hoisted): the real forward, recorded.
const { forward } = await import('./network');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const PIXELS = 784;
const HIDDEN = 8;

function smallDiscriminator(activation: 'leakyRelu' | 'tanh'): NetworkSpec {
  return {
    name: 'discriminator',
    inputSize: PIXELS,
    layers: [
      { kind: 'dense', units: HIDDEN },
      activation === 'leakyRelu' ? { kind: 'leakyRelu', alpha: 0.2 } : { kind: 'tanh' },
      { kind: 'dense', units: 1 },
      { kind: 'sigmoid' },
    ],
  };
}

/** D 784→8→1's weights as float64 arrays: W1 [784, 8] row-major, b1, w2 [8], b2. */
interface SmallWeights {
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
}

/** The slope of the activation at z. */
const SLOPES = {
  leakyRelu: (z: number) => (z > 0 ? 1 : 0.2),
  tanh: (z: number) => 1 - Math.tanh(z) ** 2,
};

/**
 * R1 in float64 by hand: D(x) = w2·act(W1ᵀx + b1) + b2, so ∇ₓD = W1 (w2 ⊙ act'(z)) and the
 * penalty is γ/2 · mean over the rows of ‖∇ₓD‖².
 */
function referencePenalty(w: SmallWeights, x: Float64Array, rows: number, gamma: number, slope: (z: number) => number): number {
  let total = 0;
  const u = new Float64Array(HIDDEN);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < HIDDEN; h++) {
      let z = w.b1[h];
      for (let p = 0; p < PIXELS; p++) z += x[r * PIXELS + p] * w.w1[p * HIDDEN + h];
      u[h] = w.w2[h] * slope(z);
    }
    for (let p = 0; p < PIXELS; p++) {
      let g = 0;
      for (let h = 0; h < HIDDEN; h++) g += w.w1[p * HIDDEN + h] * u[h];
      total += g * g;
    }
  }
  return (gamma / 2) * (total / rows);
}

function randomWeights(seed: number): SmallWeights {
  const rng = new Rng(seed);
  const uniform = (n: number, limit: number) => Float64Array.from(rng.fillUniform(new Float32Array(n), -limit, limit));
  return { w1: uniform(PIXELS * HIDDEN, 0.1), b1: uniform(HIDDEN, 0.5), w2: uniform(HIDDEN, 1), b2: uniform(1, 0.5) };
}

function asTensors(w: SmallWeights): tf.Tensor[] {
  return [
    tf.tensor2d(Float32Array.from(w.w1), [PIXELS, HIDDEN]),
    tf.tensor1d(Float32Array.from(w.b1)),
    tf.tensor2d(Float32Array.from(w.w2), [HIDDEN, 1]),
    tf.tensor1d(Float32Array.from(w.b2)),
  ];
}

describe('R1 penalty', () => {
  const rows = 4;
  const gamma = 10;
  // Exactly float32 values, so that both sides see the same digits.
  const x32 = new Rng(5).fillUniform(new Float32Array(rows * PIXELS), -1, 1);
  const x64 = Float64Array.from(x32);

  describe.each(['leakyRelu', 'tanh'] as const)('of D 784→8→%s→1', (activation) => {
    const spec = smallDiscriminator(activation);
    const slope = SLOPES[activation];
    const weights = randomWeights(activation === 'tanh' ? 17 : 13);

    it('has the value γ/2 · mean ‖∇ₓD‖² of a float64 reference', () => {
      const expected = referencePenalty(weights, x64, rows, gamma, slope);
      const got = tf.tidy(() => r1Penalty(spec, asTensors(weights), tf.tensor2d(x32, [rows, PIXELS]), gamma).dataSync()[0]);
      expect(expected).toBeGreaterThan(0.1);
      expect(Math.abs(got - expected) / expected).toBeLessThan(1e-4);
    });

    it("has the gradient w.r.t. D's parameters of central finite differences", () => {
      let grads: Float64Array[] = [];
      tf.tidy(() => {
        const x = tf.tensor2d(x32, [rows, PIXELS]);
        // ∇ₓD does not depend on the last bias: its gradient is 0, and tfjs has none to give.
        const [w1, b1, w2, b2] = asTensors(weights);
        const { grads: g } = tf.valueAndGrads((...params: tf.Tensor[]) => r1Penalty(spec, [...params, b2], x, gamma))([w1, b1, w2]);
        grads = [...g.map((t) => Float64Array.from(t.dataSync())), new Float64Array(1)];
      });
      const names = ['w1', 'b1', 'w2', 'b2'] as const;
      const rng = new Rng(3);
      // Every b1, w2, b2 entry, and 40 of W1's.
      const probes: [number, number][] = [];
      for (let k = 0; k < 40; k++) probes.push([0, rng.nextInt(PIXELS * HIDDEN)]);
      for (let t = 1; t < 4; t++) for (let i = 0; i < weights[names[t]].length; i++) probes.push([t, i]);
      const scale = Math.max(...grads.flatMap((g) => Array.from(g, Math.abs)));
      const h = 1e-5;
      for (const [t, i] of probes) {
        const at = (delta: number) => {
          const moved = { ...weights, [names[t]]: Float64Array.from(weights[names[t]]) };
          moved[names[t]][i] += delta;
          return referencePenalty(moved, x64, rows, gamma, slope);
        };
        const reference = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(grads[t][i] - reference), `${names[t]}[${i}]: ${grads[t][i]} vs ${reference}`).toBeLessThan(1e-3 * scale);
      }
      if (activation === 'tanh') {
        // b1 reaches the penalty only through tanh'(z): a second-order term that must not be lost.
        expect(Math.max(...Array.from(grads[1], Math.abs))).toBeGreaterThan(0.05 * scale);
      }
    });
  });

  it('differentiates conv2d twice as tf.conv2d does (autodiff reference on cpu)', () => {
    for (const [size, channels, filters, k, stride] of [
      [7, 2, 3, 3, 1],
      [7, 2, 3, 4, 2],
      [6, 1, 2, 1, 2],
      [5, 3, 2, 5, 3],
    ]) {
      tf.tidy(() => {
        const rng = new Rng(size * 31 + k);
        const x = tf.tensor4d(rng.fillUniform(new Float32Array(2 * size * size * channels), -1, 1), [2, size, size, channels]);
        const kernel = tf.tensor4d(rng.fillUniform(new Float32Array(k * k * channels * filters), -0.5, 0.5), [k, k, channels, filters]);
        const ours = windowConv2d(x, kernel, stride);
        const theirs = tf.conv2d(x, kernel, stride, 'same');
        expect(ours.shape).toEqual(theirs.shape);
        expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-5);
        // ‖∇ₓ Σ conv(x, K)²‖²'s gradient w.r.t. K, both ways (square: twice differentiable in tfjs).
        const penaltyGrad = (conv: (x: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor) =>
          tf.grad((kk: tf.Tensor) => {
            const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(conv(xx as tf.Tensor4D, kk as tf.Tensor4D))))(x);
            return tf.sum(tf.square(gx));
          })(kernel);
        const a = penaltyGrad((xx, kk) => windowConv2d(xx, kk, stride));
        const b = penaltyGrad((xx, kk) => tf.conv2d(xx, kk, stride, 'same'));
        const scale = tf.max(tf.abs(b)).dataSync()[0];
        expect(scale).toBeGreaterThan(0);
        expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4 * scale);
      });
    }
  });

  it.each([
    ['seed', SEED_DISCRIMINATOR],
    ['DCGAN', DCGAN_DISCRIMINATOR],
    [
      'spectral-norm + minibatchStd',
      {
        name: 'discriminator',
        inputSize: PIXELS,
        layers: [
          { kind: 'reshape', shape: [28, 28, 1] },
          { kind: 'conv2d', filters: 4, kernel: 3, stride: 2, spectralNorm: true },
          { kind: 'leakyRelu', alpha: 0.2 },
          { kind: 'minibatchStd' },
          { kind: 'reshape', shape: [14 * 14 * 5] },
          { kind: 'dense', units: 16, spectralNorm: true },
          { kind: 'relu' },
          { kind: 'dropout', rate: 0.25 },
          { kind: 'dense', units: 1 },
          { kind: 'tanh' },
        ],
      } satisfies NetworkSpec,
    ],
  ] as const)("computes %s D's logits as training's forward pass does", (_, spec) => {
    const recipe: Recipe = { ...PRESETS.seed.recipe, discriminator: spec as NetworkSpec, batchSize: 3 };
    const gan = createGan(recipe, 4);
    const inputs = drawStepInputs(allocateStepInputs(recipe, 3), syntheticSplit(8, 2), recipe, 4, 1);
    const gap = tf.tidy(() => {
      const x = tf.tensor2d(inputs.d[0].real, [3, PIXELS]);
      const masks = inputs.masksG.map((mask) => tf.tensor2d(mask, [3, mask.length / 3]));
      const weights = [...gan.dParams, ...gan.dState];
      const plain = plainForward(recipe.discriminator, weights, x, masks);
      const trained = forward(recipe.discriminator, weights, x, { dropoutMasks: masks, logits: true });
      return tf.max(tf.abs(tf.sub(plain, trained))).dataSync()[0] / (tf.max(tf.abs(trained)).dataSync()[0] + 1e-3);
    });
    disposeGan(gan);
    expect(gap).toBeLessThan(1e-4);
  });

  it('applies on every k-th D update of the run, counted from the first', () => {
    const applied = (every: number, dSteps: number) => {
      const out: string[] = [];
      for (let step = 1; step <= 4; step++) {
        for (let update = 0; update < dSteps; update++) if (r1Applies({ gamma: 1, every }, dSteps, step, update)) out.push(`${step}.${update}`);
      }
      return out;
    };
    expect(applied(1, 1)).toEqual(['1.0', '2.0', '3.0', '4.0']);
    expect(applied(2, 1)).toEqual(['1.0', '3.0']);
    expect(applied(3, 2)).toEqual(['1.0', '2.1', '4.0']);
  });
});

/** A small GAN: G 4→784 (tanh), D 784→8 (LeakyReLU, dropout)→1, batch 4. */
function tinyRecipe(changes: Partial<Recipe> = {}): Recipe {
  return {
    ...PRESETS.seed.recipe,
    generator: { name: 'generator', inputSize: 4, layers: [{ kind: 'dense', units: PIXELS }, { kind: 'tanh' }] },
    discriminator: {
      name: 'discriminator',
      inputSize: PIXELS,
      layers: [
        { kind: 'dense', units: HIDDEN },
        { kind: 'leakyRelu', alpha: 0.2 },
        { kind: 'dropout', rate: 0.3 },
        { kind: 'dense', units: 1 },
        { kind: 'sigmoid' },
      ],
    },
    batchSize: 4,
    ...changes,
  };
}

const data = syntheticSplit(32, 6);

function inputsFor(recipe: Recipe, seed: number, step: number): StepInputs {
  return drawStepInputs(allocateStepInputs(recipe), data, recipe, seed, step);
}

/** The gradients D's update `update` at step `step` would apply, taken instead of applied. */
function dGradients(recipe: Recipe, step: number): Float32Array[] {
  const gan = createGan(recipe, 9);
  let taken: Float32Array[] = [];
  gan.dOptimizer.apply = (grads: tf.Tensor[]) => {
    taken = grads.map((g) => g.dataSync() as Float32Array);
  };
  discriminatorStep(gan, inputsFor(recipe, 9, step), 0).dispose();
  disposeGan(gan);
  return taken;
}

function maxGap(a: Float32Array[], b: Float32Array[]): number {
  return Math.max(...a.map((t, i) => Math.max(...t.map((v, j) => Math.abs(v - b[i][j])))));
}

describe('R1 in training', () => {
  it("adds every × its gradient to D's on the updates it applies to, and nothing on the others", () => {
    const plain = tinyRecipe();
    const penalised = tinyRecipe({ r1: { gamma: 5, every: 3 } });
    // Step 2 is D update 1 of the run: no penalty, the very same gradients.
    expect(maxGap(dGradients(penalised, 2), dGradients(plain, 2))).toBe(0);
    // Step 4 is update 3: the penalty of three updates, on the real rows with their masks.
    const without = dGradients(plain, 4);
    const withR1 = dGradients(penalised, 4);
    const gan = createGan(penalised, 9);
    const inputs = inputsFor(penalised, 9, 4);
    const expected = tf.tidy(() => {
      const real = tf.tensor2d(inputs.d[0].real, [4, PIXELS]);
      const masks = inputs.d[0].masks.map((mask) => tf.slice(tf.tensor2d(mask, [8, mask.length / 8]), [0, 0], [4, -1]) as tf.Tensor2D);
      const [w1, b1, w2, b2] = gan.dParams;
      const { grads } = tf.valueAndGrads((...params: tf.Tensor[]) => r1Penalty(penalised.discriminator, [...params, b2], real, 5, masks))([w1, b1, w2]);
      // The last bias does not reach ∇ₓD.
      return [...grads.map((g) => tf.mul(g, 3).dataSync() as Float32Array), new Float32Array(1)];
    });
    disposeGan(gan);
    const added = withR1.map((g, i) => g.map((v, j) => v - without[i][j]));
    const scale = Math.max(...expected.map((g) => Math.max(...g.map(Math.abs))));
    expect(scale).toBeGreaterThan(1e-3);
    expect(maxGap(added, expected)).toBeLessThan(1e-4 * scale);
  });

  const convD: NetworkSpec = {
    name: 'discriminator',
    inputSize: PIXELS,
    layers: [
      { kind: 'reshape', shape: [28, 28, 1] },
      { kind: 'conv2d', filters: 4, kernel: 4, stride: 2, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'minibatchStd' },
      { kind: 'reshape', shape: [14 * 14 * 5] },
      { kind: 'dense', units: 1 },
    ],
  };

  it.each([
    ['dense', tinyRecipe({ loss: 'hinge', r1: { gamma: 10, every: 2 } })],
    ['conv, spectral norm, minibatchStd', tinyRecipe({ loss: 'hinge', r1: { gamma: 10, every: 2 }, discriminator: convD })],
  ])('trains a %s D with hinge loss: finite losses, every parameter moves, no tensor left behind', (_, recipe) => {
    const gan = createGan(recipe, 2, 6);
    const before = gan.dParams.map((p) => p.dataSync().slice());
    const inputs = allocateStepInputs(recipe);
    const counts: number[] = [];
    for (let step = 1; step <= 4; step++) {
      const losses = trainStep(gan, drawStepInputs(inputs, data, recipe, 2, step));
      expect(Array.from(losses.dataSync()).every(Number.isFinite)).toBe(true);
      losses.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    // Under hinge loss D's last bias has gradient 0 while every score lies within (−1, 1):
    // −1 from the real rows, +1 from the generated ones. Every other weight moves.
    gan.dParams.slice(0, -1).forEach((p, i) => expect(p.dataSync().some((v, j) => v !== before[i][j]), `D weight ${i}`).toBe(true));
    disposeGan(gan);
  });
});

describe('instance noise', () => {
  it('falls linearly to 0 over the run when annealed', () => {
    const annealed = { std: 0.2, anneal: true };
    expect(instanceNoiseStd(annealed, 1, 100)).toBeCloseTo(0.2, 12);
    expect(instanceNoiseStd(annealed, 51, 100)).toBeCloseTo(0.1, 12);
    expect(instanceNoiseStd(annealed, 101, 100)).toBe(0);
    expect(instanceNoiseStd({ std: 0.2, anneal: false }, 51, 100)).toBe(0.2);
  });

  it('draws unit normals from streams of its own: the other inputs stay as they were', () => {
    const noisy = inputsFor(tinyRecipe({ instanceNoise: { std: 0.3, anneal: false } }), 8, 5);
    const clean = inputsFor(tinyRecipe(), 8, 5);
    expect(clean.d[0].instanceNoise).toBeNull();
    expect(noisy.d[0].real).toEqual(clean.d[0].real);
    expect(noisy.d[0].noise).toEqual(clean.d[0].noise);
    expect(noisy.d[0].masks).toEqual(clean.d[0].masks);
    expect(noisy.noiseG).toEqual(clean.noiseG);
    const unit = noisy.d[0].instanceNoise!;
    const mean = unit.reduce((a, b) => a + b, 0) / unit.length;
    const std = Math.sqrt(unit.reduce((a, b) => a + (b - mean) ** 2, 0) / unit.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
    expect(noisy.instanceNoiseG!.length).toBe(4 * PIXELS);
    expect(inputsFor(tinyRecipe({ instanceNoise: { std: 0.3, anneal: false } }), 8, 6).d[0].instanceNoise).not.toEqual(unit);
  });

  it("adds std(step) · noise to D's real and generated inputs, in D's and G's updates", () => {
    const recipe = tinyRecipe({ instanceNoise: { std: 0.5, anneal: true } });
    const gan = createGan(recipe, 3, 4);
    const inputs = inputsFor(recipe, 3, 3);
    const generated = (noise: Float32Array) =>
      tf.tidy(() => forward(recipe.generator, gan.gParams, tf.tensor2d(noise, [4, 4])).dataSync() as Float32Array);
    const cleanD = [...inputs.d[0].real, ...generated(inputs.d[0].noise)];
    const cleanG = generated(inputs.noiseG);
    seenByD.inputs.length = 0;
    trainStep(gan, inputs).dispose();
    disposeGan(gan);
    const [dInput, gInput] = seenByD.inputs;
    expect(seenByD.inputs.length).toBe(2);
    // Step 3 of 4: 0.5 · (1 − 2/4).
    const std = 0.25;
    const gap = (seen: Float32Array, clean: ArrayLike<number>, unit: Float32Array) =>
      Math.max(...Array.from(seen, (v, i) => Math.abs(v - clean[i] - std * unit[i])));
    expect(gap(dInput, cleanD, inputs.d[0].instanceNoise!)).toBeLessThan(1e-5);
    expect(gap(gInput, cleanG, inputs.instanceNoiseG!)).toBeLessThan(1e-5);
    // And the noise is there: the inputs are not the clean digits.
    expect(Math.max(...Array.from(dInput, (v, i) => Math.abs(v - cleanD[i])))).toBeGreaterThan(0.5);
  });

  it('trains reproducibly: two runs with the same seed are identical, parameters move, losses finite', () => {
    const recipe = tinyRecipe({ instanceNoise: { std: 0.2, anneal: true }, r1: { gamma: 1, every: 2 } });
    const run = () => {
      const gan = createGan(recipe, 12, 3);
      const inputs = allocateStepInputs(recipe);
      const losses: number[] = [];
      for (let step = 1; step <= 3; step++) {
        const out = trainStep(gan, drawStepInputs(inputs, data, recipe, 12, step));
        losses.push(...out.dataSync());
        out.dispose();
      }
      const weights = [...gan.gParams, ...gan.dParams].map((p) => p.dataSync() as Float32Array);
      disposeGan(gan);
      return { losses, weights };
    };
    const initial = (() => {
      const gan = createGan(recipe, 12, 3);
      const weights = [...gan.gParams, ...gan.dParams].map((p) => p.dataSync() as Float32Array);
      disposeGan(gan);
      return weights;
    })();
    const a = run();
    const b = run();
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(b.losses).toEqual(a.losses);
    expect(maxGap(a.weights, b.weights)).toBe(0);
    a.weights.forEach((w, i) => expect(w.some((v, j) => v !== initial[i][j])).toBe(true));
  });
});

describe('recipe fields', () => {
  const seed = PRESETS.seed.recipe;
  const problemsOf = (raw: unknown) => checkRecipe(raw).problems.map((p) => `${p.field}: ${p.message}`);

  it('are in every preset, switched off', () => {
    for (const preset of Object.values(PRESETS)) expect(preset.recipe).toMatchObject({ r1: null, instanceNoise: null });
  });

  it('are checked with messages that name the field', () => {
    expect(problemsOf({ ...seed, r1: { gamma: 0, every: 16 } })).toEqual(['r1.gamma: r1.gamma must be above 0 and at most 10000, got 0.']);
    expect(problemsOf({ ...seed, r1: { gamma: 10, every: 1.5 } })).toEqual(['r1.every: r1.every must be a whole number, got 1.5.']);
    expect(problemsOf({ ...seed, r1: { gamma: 10, every: 4, lazy: true } })[0]).toMatch(/^r1.lazy: r1.lazy is not a recipe field/);
    expect(problemsOf({ ...seed, r1: 10 })).toEqual(['r1: r1 must be null or {"gamma": 10, "every": 16}.']);
    expect(problemsOf({ ...seed, instanceNoise: { std: -0.1, anneal: true } })[0]).toMatch(/^instanceNoise.std: instanceNoise.std must be above 0/);
    expect(problemsOf({ ...seed, instanceNoise: { std: 0.1, anneal: 'yes' } })).toEqual([
      'instanceNoise.anneal: instanceNoise.anneal must be true or false.',
    ]);
    const { r1: _r1, ...withoutR1 } = seed;
    expect(problemsOf(withoutR1)).toEqual(['r1: r1 is missing.']);
    const transposed: NetworkSpec = {
      ...seed.discriminator,
      layers: [{ kind: 'reshape', shape: [28, 28, 1] }, { kind: 'conv2dTranspose', filters: 1, kernel: 3, stride: 1 }, { kind: 'reshape', shape: [PIXELS] }, { kind: 'dense', units: 1 }],
    };
    expect(checkRecipe({ ...seed, discriminator: transposed, r1: null }).problems).toEqual([]);
    expect(problemsOf({ ...seed, discriminator: transposed, r1: { gamma: 1, every: 1 } })[0]).toMatch(/^r1: r1 cannot differentiate discriminator.layers\[1\] \(conv2dTranspose\)/);
    expect(checkRecipe({ ...seed, r1: { gamma: 10, every: 16 }, instanceNoise: { std: 0.1, anneal: true } }).recipe).toMatchObject({
      r1: { gamma: 10, every: 16 },
      instanceNoise: { std: 0.1, anneal: true },
    });
  });

  it('are switched off in configs saved before they existed, and only there', () => {
    const { r1: _r1, instanceNoise: _noise, ...old } = { ...seed, loss: 'hinge' as const };
    const saved = { preset: 'seed', backend: 'cpu', epochs: 2, stepsPerEpoch: 2, checkpointEvery: 1, seed: 1, logEvery: 1, recipe: old };
    const read = parseSavedConfig(saved);
    expect(read.problems).toEqual([]);
    expect(read.config.recipe).toMatchObject({ loss: 'hinge', r1: null, instanceNoise: null });
    // A recipe given today (a link, a start message) must name every field.
    expect(parseConfig(saved).problems.map((p) => p.key)).toEqual(['recipe.r1', 'recipe.instanceNoise']);
    // One that has either field is not an old one: the other is missing.
    expect(upgradeSavedRecipe({ ...old, r1: null })).toEqual({ ...old, r1: null });
    // Fields added later come in their own group: a recipe saved with the regularisers but
    // before conditioning existed trains unconditioned.
    const { conditioning: _conditioning, ...beforeConditioning } = seed;
    expect(upgradeSavedRecipe(beforeConditioning)).toEqual(seed);
    expect(parseSavedConfig({ ...saved, recipe: { ...old, r1: null } }).problems.map((p) => p.key)).toEqual(['recipe.instanceNoise']);
  });

  it('are switched off in a checkpoint saved before they existed', async () => {
    const { config } = parseConfig({ backend: 'cpu', epochs: 1, stepsPerEpoch: 2, seed: 1 });
    const gan = createGan(config.recipe, 1);
    const snapshot = await snapshotGan(gan, config, 0);
    disposeGan(gan);
    const { r1: _r1, instanceNoise: _noise, ...old } = config.recipe;
    const decoded = decodeSnapshot(encodeSnapshot({ ...snapshot, config: { ...config, recipe: old as Recipe } }));
    expect(decoded.kind === 'full' && decoded.config.recipe).toEqual(config.recipe);
  });
});
