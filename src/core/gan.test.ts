import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { parameterCount } from './architecture';
import {
  type Gan,
  allocateStepInputs,
  createGan,
  discriminatorStep,
  discriminatorTargets,
  disposeGan,
  drawStepInputs,
  generate,
  generatorStep,
  generatorTargets,
  bceWithLogits,
  trainStep,
} from './gan';
import { forward } from './network';
import { PRESETS, type PresetName } from './presets';
import { Rng } from './rng';
import { syntheticSplit } from '../testing/syntheticMnist';

function snapshot(params: tf.Variable[]): Float32Array[] {
  return params.map((p) => p.dataSync() as Float32Array);
}

function changed(before: Float32Array[], after: Float32Array[]): boolean[] {
  return before.map((b, i) => b.some((value, j) => value !== after[i][j]));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('seed preset', () => {
  it('has the original parameter counts', () => {
    expect(parameterCount(PRESETS.seed.recipe.generator)).toBe(1_486_352);
    expect(parameterCount(PRESETS.seed.recipe.discriminator)).toBe(1_460_225);
    const gan = createGan(PRESETS['seed'].recipe, 1);
    expect(gan.generator.countParams()).toBe(1_486_352);
    expect(gan.discriminator.countParams()).toBe(1_460_225);
    disposeGan(gan);
  });

  it('passes Adam 2e-4 / 0.5 / 0.999 / 1e-7 and smooths real labels to 0.9', () => {
    const { recipe } = PRESETS.seed;
    expect(recipe.gOptimizer).toEqual({ lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 });
    expect(recipe.dOptimizer).toEqual(recipe.gOptimizer);
    expect(recipe).toMatchObject({ loss: 'bce', dStepsPerGStep: 1, lrSchedule: 'constant', batchSize: 128, average: null });
    expect(Array.from(discriminatorTargets(3, recipe.realTarget))).toEqual([
      0.9, 0.9, 0.9, 0, 0, 0,
    ].map(Math.fround));
    expect(Array.from(generatorTargets(3))).toEqual([1, 1, 1]);
  });

  it('computes the functional forward pass like the Layers model', () => {
    const gan = createGan(PRESETS['seed'].recipe, 3);
    const noise = new Rng(9).fillNormal(new Float32Array(4 * 100));
    const ours = generate(gan, noise);
    const theirs = gan.generator.predict(tf.tensor2d(noise, [4, 100])) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-6);
    const images = ours.dataSync();
    expect(Math.max(...images)).toBeLessThanOrEqual(1);
    expect(Math.min(...images)).toBeGreaterThanOrEqual(-1);
    const logits = forward(gan.recipe.discriminator, gan.dParams, ours as tf.Tensor2D, {
      logits: true,
    });
    const probabilities = gan.discriminator.predict(ours) as tf.Tensor;
    expect(
      tf.max(tf.abs(tf.sub(tf.sigmoid(logits), probabilities))).dataSync()[0],
    ).toBeLessThan(1e-6);
    disposeGan(gan);
  });

  it('computes binary cross-entropy and its gradient from logits', () => {
    const logits = tf.tensor2d([[2], [-1], [0.5]]);
    const targets = tf.tensor2d([[0.9], [0], [1]]);
    const p = tf.sigmoid(logits).dataSync();
    const y = [0.9, 0, 1];
    const expected =
      -y.reduce((sum, t, i) => sum + t * Math.log(p[i]) + (1 - t) * Math.log(1 - p[i]), 0) / 3;
    expect(bceWithLogits(logits, targets).dataSync()[0]).toBeCloseTo(expected, 5);
    const grad = tf.grad((l: tf.Tensor) => bceWithLogits(l as tf.Tensor2D, targets))(logits);
    Array.from(grad.dataSync()).forEach((g, i) => expect(g).toBeCloseTo((p[i] - y[i]) / 3, 6));
  });
});

describe('training step', () => {
  const batch = 2;
  const data = syntheticSplit(64, 5);
  let gan: Gan;

  beforeAll(() => {
    gan = createGan(PRESETS['seed'].recipe, 11);
  });

  it('a D step changes only D, a G step only G', () => {
    const inputs = drawStepInputs(allocateStepInputs(gan.recipe, batch), data,
      gan.recipe, 11, 1);
    const g0 = snapshot(gan.gParams);
    const d0 = snapshot(gan.dParams);
    discriminatorStep(gan, inputs).dispose();
    const g1 = snapshot(gan.gParams);
    const d1 = snapshot(gan.dParams);
    expect(changed(g0, g1).some(Boolean)).toBe(false);
    expect(changed(d0, d1).every(Boolean)).toBe(true);
    generatorStep(gan, inputs).dispose();
    const g2 = snapshot(gan.gParams);
    const d2 = snapshot(gan.dParams);
    expect(changed(d1, d2).some(Boolean)).toBe(false);
    expect(changed(g1, g2).every(Boolean)).toBe(true);
    expect(gan.dOptimizer.iterations).toBe(1);
    expect(gan.gOptimizer.iterations).toBe(1);
  });

  it('keeps the tensor count flat: 50 steps leave as many tensors as 1', () => {
    const inputs = allocateStepInputs(gan.recipe, batch);
    const run = (step: number) => {
      drawStepInputs(inputs, data, gan.recipe, 11, step);
      trainStep(gan, inputs).dispose();
    };
    run(2);
    const afterOne = tf.memory().numTensors;
    for (let step = 3; step <= 52; step++) run(step);
    expect(tf.memory().numTensors).toBe(afterOne);
  });
});

describe('reproducibility', () => {
  it.each(['cpu', 'wasm'])('two runs with the same seed give bitwise identical weights on %s', async (backend) => {
    await tf.setBackend(backend);
    try {
      const data = syntheticSplit(32, 8);
      const runOnce = async () => {
        const gan = createGan(PRESETS['seed-ema'].recipe, 21);
        const inputs = allocateStepInputs(gan.recipe, 8);
        const losses: number[] = [];
        for (let step = 1; step <= 3; step++) {
          drawStepInputs(inputs, data, gan.recipe, 21, step);
          const out = trainStep(gan, inputs);
          losses.push(...(await out.data()));
          out.dispose();
        }
        const weights = [...snapshot(gan.gParams), ...snapshot(gan.dParams), ...snapshot(gan.gAverage ?? [])];
        disposeGan(gan);
        return { losses, weights };
      };
      const a = await runOnce();
      const b = await runOnce();
      expect(a.losses.every(Number.isFinite)).toBe(true);
      expect(b.losses).toEqual(a.losses);
      expect(a.weights.length).toBe(b.weights.length);
      a.weights.forEach((w, i) => expect(Buffer.from(b.weights[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
      const c = (() => {
        const gan = createGan(PRESETS['seed-ema'].recipe, 22);
        const w = snapshot(gan.gParams)[0];
        disposeGan(gan);
        return w;
      })();
      expect(Buffer.from(c.buffer).equals(Buffer.from(a.weights[0].buffer))).toBe(false);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

describe('every preset', () => {
  for (const name of Object.keys(PRESETS) as PresetName[]) {
    it(`${name} trains on wasm: finite losses, both networks move, no tensor growth`, async () => {
      await tf.setBackend('wasm');
      try {
        const gan = createGan(PRESETS[name].recipe, 5);
        const inputs = allocateStepInputs(gan.recipe, 8);
        const data = syntheticSplit(64, 5);
        const g0 = snapshot(gan.gParams);
        const d0 = snapshot(gan.dParams);
        let tensors = 0;
        for (let step = 1; step <= 3; step++) {
          drawStepInputs(inputs, data, gan.recipe, 5, step);
          const losses = trainStep(gan, inputs);
          expect(Array.from(await losses.data()).every(Number.isFinite)).toBe(true);
          losses.dispose();
          if (step === 1) tensors = tf.memory().numTensors;
        }
        expect(tf.memory().numTensors).toBe(tensors);
        expect(changed(g0, snapshot(gan.gParams)).every(Boolean)).toBe(true);
        expect(changed(d0, snapshot(gan.dParams)).every(Boolean)).toBe(true);
        disposeGan(gan);
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }
});

describe('weight average (seed-ema)', () => {
  it('moves by 0.1% toward G after each G step, not after D steps, and is what G draws with', () => {
    const gan = createGan(PRESETS['seed-ema'].recipe, 3);
    expect(gan.gAverage).not.toBeNull();
    const inputs = drawStepInputs(allocateStepInputs(gan.recipe, 4), syntheticSplit(16, 3), gan.recipe, 3, 1);
    const start = snapshot(gan.gAverage!);
    expect(changed(start, snapshot(gan.gParams)).some(Boolean)).toBe(false);
    tf.dispose(discriminatorStep(gan, inputs));
    expect(changed(start, snapshot(gan.gAverage!)).some(Boolean)).toBe(false);
    tf.dispose(generatorStep(gan, inputs));
    const weights = snapshot(gan.gParams);
    const average = snapshot(gan.gAverage!);
    weights.forEach((w, t) => {
      for (let i = 0; i < w.length; i += 97) {
        expect(average[t][i]).toBeCloseTo(0.999 * start[t][i] + 0.001 * w[i], 6);
      }
    });
    expect(changed(start, average).every(Boolean)).toBe(true);
    const noise = new Rng(8).fillNormal(new Float32Array(3 * 100));
    const drawn = generate(gan, noise);
    const expected = forward(gan.recipe.generator, gan.gAverage!, tf.tensor2d(noise, [3, 100]));
    expect(tf.max(tf.abs(tf.sub(drawn, expected))).dataSync()[0]).toBe(0);
    disposeGan(gan);
  });
});
