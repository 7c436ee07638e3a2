import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bandedSplit, syntheticSplit } from '../../testing/syntheticMnist';
import { Classifier, classifierShapes } from './classifier';
import { classifierAccuracy, trainClassifierModel } from './classifierTraining';

describe("training the evaluation classifier on a dataset's own classes", () => {
  it('learns classes it can tell apart, with as many outputs as the data has classes', async () => {
    await tf.setBackend('cpu');
    const train = bandedSplit(256, 4, 1);
    const test = bandedSplit(100, 4, 2);
    const steps: number[] = [];
    const accuracies: number[] = [];
    const { model } = await trainClassifierModel(train, {
      classes: 4,
      epochs: 2,
      batch: 32,
      seed: 1,
      onStep: (step) => void steps.push(step),
      onEpoch: async (_, current) => void accuracies.push(await classifierAccuracy(current, test)),
    });
    const classifier = Classifier.fromModel(model);
    model.dispose();
    expect(classifier.classes).toBe(4);
    expect(steps).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(accuracies).toHaveLength(2);
    expect(await classifierAccuracy(classifier, test)).toBeGreaterThan(0.9);
    const { probabilities } = await classifier.evaluate(new Float32Array(3 * 784));
    expect(probabilities).toHaveLength(12);
    classifier.dispose();
  }, 60_000);

  it('cannot learn labels that carry nothing: random pixels, random labels stay near chance', async () => {
    await tf.setBackend('cpu');
    const { model } = await trainClassifierModel(syntheticSplit(256, 3), { classes: 10, epochs: 1, batch: 32, seed: 1 });
    const classifier = Classifier.fromModel(model);
    model.dispose();
    expect(await classifierAccuracy(classifier, syntheticSplit(200, 4))).toBeLessThan(0.3);
    classifier.dispose();
  }, 60_000);

  it('trains a small set for more epochs to reach its minimum steps, up to its most epochs, and the budget still stops it', async () => {
    await tf.setBackend('cpu');
    const small = bandedSplit(100, 3, 7);
    const counted: number[] = [];
    const fit = await trainClassifierModel(small, { classes: 3, epochs: 1, minSteps: 10, batch: 32, seed: 2, onStep: (step) => void counted.push(step) });
    fit.model.dispose();
    // 100 images at 32 a batch: 3 steps an epoch, so 4 epochs for 10 steps.
    expect({ epochs: fit.epochs, steps: fit.steps, planned: fit.plannedSteps }).toEqual({ epochs: 4, steps: 12, planned: 12 });
    expect(counted).toHaveLength(12);
    const capped = await trainClassifierModel(small, { classes: 3, epochs: 1, minSteps: 10, maxEpochs: 2, batch: 32, seed: 2 });
    capped.model.dispose();
    expect({ epochs: capped.epochs, steps: capped.steps }).toEqual({ epochs: 2, steps: 6 });
    const cut = await trainClassifierModel(small, { classes: 3, epochs: 1, minSteps: 10, batch: 32, seed: 2, budgetMs: 0 });
    cut.model.dispose();
    expect({ steps: cut.steps, planned: cut.plannedSteps }).toEqual({ steps: 1, planned: 12 });
  }, 60_000);

  it('stores as plain arrays and loads back to the same outputs; a wrong shape is refused', async () => {
    await tf.setBackend('cpu');
    const { model } = await trainClassifierModel(bandedSplit(64, 3, 5), { classes: 3, epochs: 1, batch: 32, seed: 2, maxImages: 32 });
    const classifier = Classifier.fromModel(model);
    model.dispose();
    const arrays = await classifier.toArrays();
    expect(arrays.shapes).toEqual(classifierShapes(3));
    const again = Classifier.fromArrays(arrays);
    const images = new Float32Array(5 * 784).map((_, i) => Math.sin(i) * 0.9);
    expect(Array.from((await again.evaluate(images)).probabilities)).toEqual(Array.from((await classifier.evaluate(images)).probabilities));
    const bad = { shapes: arrays.shapes.map((s, i) => (i === 0 ? [3, 3, 1, 32] : s)), values: arrays.values };
    expect(() => Classifier.fromArrays(bad)).toThrow(/does not have the evaluation classifier's shapes/);
    expect(() => Classifier.fromArrays({ shapes: arrays.shapes, values: arrays.values.slice(1) })).toThrow(/shapes/);
    classifier.dispose();
    again.dispose();
  }, 60_000);
});
