/**
 * Quality on imported data in the session: a labelled dataset gets an evaluation classifier of
 * its own (trained once in the worker, kept with the dataset, its test accuracy reported) for FD
 * and the score; an unlabelled one is measured by the C2ST alone. MNIST's classifier is never
 * used for them.
 */
import { createStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import { DatasetRepository } from '../storage/datasetRepository';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import { sessionHarness } from '../testing/sessionHarness';
import { bandedSplit, syntheticSplit } from '../testing/syntheticMnist';

const datasets = new DatasetRepository({ datasets: createStore('quality-datasets', 'datasets'), datasetImages: createStore('quality-dataset-images', 'images') });
const storage = new RunRepository(openLabStores());

function config(dataset: string, epochs: number) {
  // Two critic epochs: ten would be over the C2ST's budget on cpu (plain JavaScript).
  return parseConfig({ backend: 'cpu', epochs, stepsPerEpoch: 1, batchSize: 2, logEvery: 1, checkpointEvery: 1, seed: 3, dataset, c2stEpochs: 2 }).config;
}

/** A session with storage and datasets, whose MNIST classifier must never load for imported data. */
function harness() {
  let mnistClassifierLoads = 0;
  const h = sessionHarness({
    datasets,
    storage,
    loadData: async () => {
      throw new Error('MNIST was loaded for a run on an imported dataset');
    },
    loadClassifier: async () => {
      mnistClassifierLoads += 1;
      throw new Error("MNIST's classifier was loaded for an imported dataset");
    },
  });
  return { h, mnistClassifierLoads: () => mnistClassifierLoads };
}

const notices = (h: ReturnType<typeof harness>['h']) => h.of('notice').map((n) => n.message);

describe('quality on an imported labelled dataset', () => {
  it("trains the dataset's own classifier once, measures FD and the score with it, and keeps it for the next session", async () => {
    const dataset = await datasets.save('Bands', { train: bandedSplit(240, 4, 1), test: bandedSplit(60, 4, 2), testFrom: 'files', classes: 4 }, ['bands']);
    const first = harness();
    await first.h.send({ type: 'start', runId: 'dq1', config: config(dataset.id, 1) });
    expect(first.h.of('error')).toEqual([]);
    expect(first.mnistClassifierLoads()).toBe(0);
    expect(notices(first.h).join('\n')).toMatch(/Training an evaluation classifier for this dataset .*240 images, 4 classes/);
    expect(notices(first.h).join('\n')).toMatch(/evaluation classifier is ready: test accuracy \d+\.\d % on 60 held-out images/);

    const quality = first.h.of('quality');
    expect(quality.map((q) => q.epoch)).toEqual([1]);
    const accuracy = quality[0].classifier?.testAccuracy;
    expect(accuracy).toBeGreaterThan(0.9);
    for (const event of quality) {
      expect(event.classifier).toEqual({ classes: 4, testAccuracy: accuracy });
      expect(Number.isFinite(event.fd)).toBe(true);
      expect(event.score).toBeGreaterThanOrEqual(1);
      expect(event.score).toBeLessThanOrEqual(4);
      expect(event.histogram!.counts).toHaveLength(4);
      expect(event.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(60);
      expect(event.reference!.n).toBe(60);
      // The C2ST compares up to half the training split on each side, more than the test split holds.
      expect(event.c2st).toMatchObject({ n: 120 });
    }
    const saved = (await storage.getRun('dq1'))!.epochs[0].metrics!;
    expect(saved).toMatchObject({ fd: quality[0].fd, classes: 4, count3: quality[0].histogram!.counts[3], classifierAccuracy: accuracy });

    // The page hears of it (its dataset summary shows the accuracy).
    expect(first.h.of('dataset-evaluator')).toEqual([
      { type: 'dataset-evaluator', runId: 'dq1', datasetId: dataset.id, evaluator: expect.objectContaining({ testAccuracy: accuracy }) },
    ]);
    const stored = await datasets.get(dataset.id);
    expect(stored?.evaluator).toMatchObject({ testAccuracy: accuracy, trainImages: 240, testImages: 60 });
    expect(await datasets.loadEvaluator(dataset.id)).not.toBeNull();

    // A new session (a reload) loads the stored classifier: no training, the same accuracy.
    const second = harness();
    await second.h.send({ type: 'start', runId: 'dq2', config: config(dataset.id, 1) });
    expect(notices(second.h).join('\n')).not.toMatch(/Training an evaluation classifier/);
    expect(second.h.of('dataset-evaluator')).toEqual([]);
    expect(second.h.of('quality')[0].classifier).toEqual({ classes: 4, testAccuracy: accuracy });

    // Deleting the dataset takes its classifier with it.
    await datasets.delete(dataset.id);
    expect(await datasets.loadEvaluator(dataset.id)).toBeNull();
  }, 120_000);
});

describe('quality on an imported unlabelled dataset', () => {
  it('measures the C2ST alone, says why, and saves it without FD', async () => {
    const unlabelled = { ...syntheticSplit(200, 5), labels: null };
    const dataset = await datasets.save('Plain', { train: unlabelled, test: { ...syntheticSplit(20, 6), labels: null }, testFrom: 'files', classes: 0 }, ['plain']);
    const { h, mnistClassifierLoads } = harness();
    await h.send({ type: 'start', runId: 'dq3', config: config(dataset.id, 1) });
    expect(h.of('error')).toEqual([]);
    expect(mnistClassifierLoads()).toBe(0);
    expect(notices(h).join('\n')).toMatch(/no labels \(or one class only\): FD and the score need a classifier of its classes, so only the C2ST measures it/);
    const [event] = h.of('quality');
    expect(event.fd).toBeUndefined();
    expect(event.histogram).toBeUndefined();
    expect(event.c2st).toMatchObject({ critic: 'maxpool', n: 100 });
    expect(event.c2st!.floor).toBeGreaterThanOrEqual(0);
    const saved = (await storage.getRun('dq3'))!.epochs[0].metrics!;
    expect(saved.c2st).toBe(event.c2st!.accuracy);
    expect(saved.fd).toBeUndefined();
  }, 120_000);
});

describe('quality on a dataset too small to measure', () => {
  it('says why there are no metrics and trains on', async () => {
    const dataset = await datasets.save('Tiny', { train: bandedSplit(40, 2, 7), test: bandedSplit(8, 2, 8), testFrom: 'files', classes: 2 }, ['tiny']);
    const { h } = harness();
    await h.send({ type: 'start', runId: 'dq4', config: config(dataset.id, 1) });
    expect(h.of('error')).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });
    expect(h.of('quality')).toEqual([]);
    const said = notices(h).join('\n');
    expect(said).toMatch(/FD and the score need at least 50 training and 50 held-out images; this dataset has 40 and 8/);
    expect(said).toMatch(/Quality metrics are off for this run: the dataset has 40 training images, and the C2ST needs at least 100\. Training goes on\./);
  }, 60_000);
});
