/**
 * What a recipe changes in training: the hinge and least-squares losses against their formulas
 * (values and gradients), D steps per G step, the linear schedule and the average's warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allocateStepInputs,
  createGan,
  discriminatorLoss,
  discriminatorStep,
  disposeGan,
  drawStepInputs,
  generatorLoss,
  generatorStep,
  trainStep,
} from './gan';
import { PRESETS } from './presets';
import type { Recipe } from './recipe';
import { syntheticSplit } from '../testing/syntheticMnist';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const seed = PRESETS.seed.recipe;
/** A small D-and-G recipe, so the steps below take milliseconds. */
const small: Recipe = {
  ...seed,
  generator: { name: 'generator', inputSize: 8, layers: [{ kind: 'dense', units: 16 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'dense', units: 784 }, { kind: 'tanh' }] },
  discriminator: {
    name: 'discriminator',
    inputSize: 784,
    layers: [{ kind: 'dense', units: 16 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'dropout', rate: 0.3 }, { kind: 'dense', units: 1 }, { kind: 'sigmoid' }],
  },
  batchSize: 4,
};

const realScores = [2.0, 0.5, -0.3, 1.5];
const fakeScores = [-2.0, -0.5, 0.4, -1.2];
const n = realScores.length;

function lossAndGrad(loss: (s: tf.Tensor2D) => tf.Scalar, scores: number[]) {
  const s = tf.tensor2d(scores, [scores.length, 1]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => loss(x as tf.Tensor2D))(s);
  const out = { value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
  tf.dispose([s, value, grad]);
  return out;
}

function expectClose(actual: number[], expected: number[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 6));
}

describe('losses', () => {
  const targets = tf.zeros([2 * n, 1]) as tf.Tensor2D;
  const scores = [...realScores, ...fakeScores];

  it('hinge: D max(0, 1 − s(x)) + max(0, 1 + s(G(z))), G −s(G(z))', () => {
    const recipe: Recipe = { ...seed, loss: 'hinge' };
    const d = lossAndGrad((s) => discriminatorLoss(recipe, s, targets), scores);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(d.value).toBeCloseTo(mean(realScores.map((s) => Math.max(0, 1 - s))) + mean(fakeScores.map((s) => Math.max(0, 1 + s))), 6);
    expectClose(d.grad, [...realScores.map((s) => (s < 1 ? -1 / n : 0)), ...fakeScores.map((s) => (s > -1 ? 1 / n : 0))]);
    const g = lossAndGrad((s) => generatorLoss(recipe, s, targets), fakeScores);
    expect(g.value).toBeCloseTo(-mean(fakeScores), 6);
    expectClose(g.grad, fakeScores.map(() => -1 / n));
  });

  it('least squares: D ½(s(x) − 1)² + ½s(G(z))², G ½(s(G(z)) − 1)²', () => {
    const recipe: Recipe = { ...seed, loss: 'leastSquares' };
    const d = lossAndGrad((s) => discriminatorLoss(recipe, s, targets), scores);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(d.value).toBeCloseTo(0.5 * mean(realScores.map((s) => (s - 1) ** 2)) + 0.5 * mean(fakeScores.map((s) => s ** 2)), 6);
    expectClose(d.grad, [...realScores.map((s) => (s - 1) / n), ...fakeScores.map((s) => s / n)]);
    const g = lossAndGrad((s) => generatorLoss(recipe, s, targets), fakeScores);
    expect(g.value).toBeCloseTo(0.5 * mean(fakeScores.map((s) => (s - 1) ** 2)), 6);
    expectClose(g.grad, fakeScores.map((s) => (s - 1) / n));
  });
});

describe('training under a recipe', () => {
  const data = syntheticSplit(32, 6);

  it('runs dStepsPerGStep D updates, each on its own batch, then one G update', async () => {
    const recipe: Recipe = { ...small, dStepsPerGStep: 3 };
    const inputs = drawStepInputs(allocateStepInputs(recipe), data, recipe, 9, 1);
    expect(inputs.d).toHaveLength(3);
    expect(inputs.d[1].real).not.toEqual(inputs.d[0].real);
    expect(inputs.d[2].noise).not.toEqual(inputs.d[1].noise);

    const whole = createGan(recipe, 9);
    (await trainStep(whole, inputs)).dispose();
    const byHand = createGan(recipe, 9);
    for (let update = 0; update < 3; update++) discriminatorStep(byHand, inputs, update).dispose();
    generatorStep(byHand, inputs).dispose();
    expect(whole.dOptimizer.iterations).toBe(3);
    expect(whole.gOptimizer.iterations).toBe(1);
    const weights = (gan: typeof whole) => [...gan.gParams, ...gan.dParams].map((p) => Array.from(p.dataSync()));
    expect(weights(whole)).toEqual(weights(byHand));
    disposeGan(whole);
    disposeGan(byHand);
  });

  it('decays both learning rates linearly to 0 over the run', async () => {
    const recipe: Recipe = { ...small, lrSchedule: 'linear', gOptimizer: { ...small.gOptimizer, lr: 1e-3 } };
    const gan = createGan(recipe, 4, 10);
    const inputs = allocateStepInputs(recipe);
    const rates: number[][] = [];
    for (const step of [1, 6, 10]) {
      drawStepInputs(inputs, data, recipe, 4, step);
      (await trainStep(gan, inputs)).dispose();
      rates.push([gan.gOptimizer.lr, gan.dOptimizer.lr]);
    }
    expectClose(rates.flat(), [1e-3, 2e-4, 5e-4, 1e-4, 1e-4, 2e-5]);
    disposeGan(gan);
  });

  it("warms the average up: after the first G step it sits near G's new weights, not the initial ones", async () => {
    const warm = createGan({ ...small, average: { decay: 0.999, warmup: true } }, 5);
    const cold = createGan({ ...small, average: { decay: 0.999, warmup: false } }, 5);
    const initial = warm.gParams.map((p) => p.dataSync().slice());
    const inputs = drawStepInputs(allocateStepInputs(warm.recipe), data, warm.recipe, 5, 1);
    for (const gan of [warm, cold]) (await trainStep(gan, inputs)).dispose();
    const decay = 2 / 11;
    warm.gParams.forEach((param, i) => {
      const now = param.dataSync();
      const average = warm.gAverage![i].dataSync();
      const coldAverage = cold.gAverage![i].dataSync();
      for (let j = 0; j < now.length; j += 97) {
        expect(average[j]).toBeCloseTo(decay * initial[i][j] + (1 - decay) * now[j], 6);
        expect(coldAverage[j]).toBeCloseTo(0.999 * initial[i][j] + 0.001 * now[j], 6);
      }
    });
    disposeGan(warm);
    disposeGan(cold);
  });
});
